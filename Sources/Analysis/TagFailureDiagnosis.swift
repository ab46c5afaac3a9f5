import Crypto
import Transforms

/// Names the most likely reason a stream's tags fail, by testing hypotheses on its failed packets,
/// cheapest first (each is one context made once, then one unprotect per failed packet):
///
/// 1. another known key (the other direction's, an unselected offer line, any other candidate);
/// 2. the ROC off by ±k (k = 1…`rocSpread`);
/// 3. the other tag length (HMAC-SHA1 80 vs 32 bits, RFC 4568 §6.2);
/// 4. a missing or extra MKI (the sender and the SDP disagree on `|MKI:len`, RFC 4568 §6.1);
/// 5. SRTP vs MS-SSRTP format (MS-SSRTP §2.2.1, the ESN trailer);
///
/// (`rtpme_reading` is never found here: MS-RTPME has no tag to fail, and both DES key readings are
/// tried while decrypting.)
///
/// otherwise, when signalling keyed the flow with nothing usable ("no usable key": a signalled key that
/// cannot be used, a DTLS-SRTP handshake without its keys), that; else "packet modified or key unknown". Diagnosis runs after the pass, on at most `sampleLimit`
/// failed packets per stream (copies kept during the pass).
public struct TagFailureDiagnosis {
    public static let sampleLimit = 64
    public static let rocSpread: Int64 = 8

    public enum Reason: String, Sendable, Hashable, CaseIterable {
        case otherKey = "other_key"
        case rocOffset = "roc_offset"
        case tagLength = "tag_length"
        case mkiMismatch = "mki_mismatch"
        case ssrtpFormat = "srtp_vs_ssrtp"
        case rtpmeReading = "rtpme_reading"
        case noUsableKey = "no_usable_key"
        case unknown = "modified_or_key_unknown"
    }

    /// One reason with its count, example frames and the detail ("the key of SDP … (other direction)",
    /// "ROC +1", "tag 32 bits, not 80").
    public struct Finding: Sendable, Hashable {
        public var reason: Reason
        public var detail: String
        public var count: Int
        public var exampleFrames: [Int]
    }

    struct Hypothesis {
        var reason: Reason
        var detail: String
        var material: KeyMaterial
        var asSSRTP: Bool = false
        var rocDelta: Int64 = 0
        var context: StreamCrypto?
        var made = false
        /// Tried on the first `screenSamples` failed samples only, and kept for the others only if it
        /// authenticated one: the keys of unrelated flows (a capture of thousands of calls would otherwise
        /// cost every key on each of 64 samples of every failing stream). Two, so that one damaged first
        /// sample does not screen out the key the others are under.
        var screened = false
        var passedScreen = false
    }

    let provider: any CryptoProvider
    /// Failed samples the keys of unrelated flows are tried on (`Hypothesis.screened`).
    static let screenSamples = 2

    /// Diagnoses `stream`'s failed samples. `others` are every other key candidate known in the run (with
    /// a note of how each relates to the stream, e.g. "other direction", and whether it relates at all:
    /// those that do not are screened on the first sample).
    /// `missingKey`: why signalling left the stream without a key it could use (`TrialKeySource.missingKeyReason`).
    func diagnose(
        _ stream: MediaStream, reference: TrialKey?, others: [(TrialKey, String, related: Bool)],
        missingKey: String? = nil
    ) -> [Finding] {
        guard !stream.failedSamples.isEmpty else { return [] }
        var hypotheses = makeHypotheses(stream, reference: reference, others: others)
        var findings: [Reason: [String: Finding]] = [:]
        var order: [(Reason, String)] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        for (i, sample) in stream.failedSamples.enumerated() {
            var matched: (Reason, String)?
            if i == Self.screenSamples {
                // Screened hypotheses that authenticated none of the first samples go (with their contexts).
                hypotheses.removeAll { $0.screened && !$0.passedScreen }
            }
            /// Whether hypothesis `h` authenticates the sample (its context made on first use).
            func authenticates(_ h: Int) -> Bool {
                if !hypotheses[h].made {
                    hypotheses[h].made = true
                    hypotheses[h].context = try? makeContext(hypotheses[h], stream: stream, sample: sample.bytes)
                }
                guard let ctx = hypotheses[h].context else { return false }
                let n = min(sample.bytes.count, buffer.count)
                return buffer.withUnsafeMutableBytes { b in
                    for j in 0..<n { b[j] = sample.bytes[j] }
                    guard let r = try? ctx.unprotect(b, length: n, kind: stream.kind) else { return false }
                    return r.verdict.isAuthentic
                }
            }
            for h in hypotheses.indices {
                if authenticates(h) {
                    if i < Self.screenSamples { hypotheses[h].passedScreen = true }
                    matched = (hypotheses[h].reason, hypotheses[h].detail)
                    break
                }
            }
            // On the first samples, the screened ones after the match are tried too: each that
            // authenticates one stays for the later samples.
            if i < Self.screenSamples, let m = matched {
                for h in hypotheses.indices where hypotheses[h].screened && !hypotheses[h].passedScreen
                    && (hypotheses[h].reason, hypotheses[h].detail) != m
                {
                    hypotheses[h].passedScreen = authenticates(h)
                }
            }
            let (reason, detail) =
                matched ?? missingKey.map { (.noUsableKey, "\($0); no other key authenticates the packet") }
                ?? (.unknown, "no hypothesis authenticates the packet")
            if findings[reason]?[detail] == nil {
                findings[reason, default: [:]][detail] = Finding(
                    reason: reason, detail: detail, count: 0, exampleFrames: [])
                order.append((reason, detail))
            }
            findings[reason]?[detail]?.count += 1
            if (findings[reason]?[detail]?.exampleFrames.count ?? 0) < 5 {
                findings[reason]?[detail]?.exampleFrames.append(sample.frame)
            }
        }
        return order.compactMap { findings[$0.0]?[$0.1] }.sorted { $0.count > $1.count }
    }

    private func makeContext(_ h: Hypothesis, stream: MediaStream, sample: [UInt8]) throws -> StreamCrypto {
        // The ROC the stream was estimated to have: its last authenticated one, else the policy's.
        var estimate: UInt32 = 0
        if case .srtp(let p) = h.material { estimate = p.initialROC }
        var roc: UInt32 = stream.lastROC ?? estimate
        if h.rocDelta != 0 {
            let base = Int64(stream.lastROC ?? estimate) + h.rocDelta
            guard base >= 0, base <= Int64(UInt32.max) else { throw ProtectError("roc", "out of range") }
            roc = UInt32(base)
        }
        return try StreamCrypto.make(
            h.material, ssrc: stream.ssrc, asSSRTP: h.asSSRTP, initialROC: roc, provider: provider)
    }

    private func makeHypotheses(
        _ stream: MediaStream, reference: TrialKey?, others: [(TrialKey, String, related: Bool)]
    ) -> [Hypothesis] {
        var out: [Hypothesis] = []
        for (c, relation, related) in others where c.id != reference?.id {
            out.append(
                Hypothesis(
                    reason: .otherKey, detail: "\(c.source) (\(relation))", material: c.material, screened: !related))
        }
        guard let reference else { return out }
        switch reference.material {
        case .srtp(let policy):
            if stream.kind == .rtp {
                for k in 1...Self.rocSpread {
                    for d in [k, -k] {
                        out.append(
                            Hypothesis(
                                reason: .rocOffset, detail: "ROC \(d > 0 ? "+" : "")\(d) from the estimate",
                                material: .srtp(policy), rocDelta: d))
                    }
                }
            }
            if let other = Self.otherTagLength(policy.suite) {
                var p = policy
                p.suite = other
                let bits = (stream.kind == .rtp ? other.rtpTagLength : other.rtcpTagLength) * 8
                let was = (stream.kind == .rtp ? policy.suite.rtpTagLength : policy.suite.rtcpTagLength) * 8
                if bits != was {
                    out.append(
                        Hypothesis(reason: .tagLength, detail: "tag of \(bits) bits, not \(was)", material: .srtp(p)))
                }
            }
            if policy.mkiLength > 0 {
                var p = policy
                p.keys = [MasterKey(key: policy.keys[0].key, salt: policy.keys[0].salt)]
                out.append(
                    Hypothesis(
                        reason: .mkiMismatch,
                        detail: "packets carry no MKI; the key has a \(policy.mkiLength)-byte MKI",
                        material: .srtp(p)))
            } else if let first = stream.failedSamples.first?.bytes, let k = policy.keys.first {
                // The packet carries an MKI the key does not declare: read it from before the tag.
                let tag = stream.kind == .rtp ? policy.suite.rtpTagLength : policy.suite.rtcpTagLength
                let end = first.count - tag
                for n in 1...4 where end - n >= 12 {
                    var p = policy
                    p.keys = [MasterKey(key: k.key, salt: k.salt, mki: Array(first[(end - n)..<end]))]
                    out.append(
                        Hypothesis(
                            reason: .mkiMismatch, detail: "packets carry a \(n)-byte MKI the key does not declare",
                            material: .srtp(p)))
                }
            }
            if stream.kind == .rtp {
                if case .ssrtp = stream.crypto {
                    out.append(Hypothesis(reason: .ssrtpFormat, detail: "SRTP, not MS-SSRTP", material: .srtp(policy)))
                } else if let k = policy.keys.first {
                    // MS-SSRTP needs a 1-byte MKI: take the key's, or try the usual value 1.
                    let mki = k.mki.count == 1 ? k.mki : [1]
                    out.append(
                        Hypothesis(
                            reason: .ssrtpFormat, detail: "MS-SSRTP (ESN trailer), not SRTP",
                            material: .ssrtp([MasterKey(key: k.key, salt: k.salt, mki: mki)])))
                }
            }
        case .ssrtp(let keys):
            out.append(
                Hypothesis(
                    reason: .ssrtpFormat, detail: "SRTP, not MS-SSRTP",
                    material: .srtp(SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: keys))))
        case .rtpme:
            // RTPMEContext tries both readings itself; a failure there means neither gave a header.
            break
        }
        return out
    }

    /// The same cipher with the other HMAC-SHA1 tag length.
    static func otherTagLength(_ s: SRTPSuite) -> SRTPSuite? {
        switch s.name {
        case SRTPSuite.aesCM128HMACSHA1_80.name: .aesCM128HMACSHA1_32
        case SRTPSuite.aesCM128HMACSHA1_32.name: .aesCM128HMACSHA1_80
        case SRTPSuite.aes192CMHMACSHA1_80.name: .aes192CMHMACSHA1_32
        case SRTPSuite.aes192CMHMACSHA1_32.name: .aes192CMHMACSHA1_80
        case SRTPSuite.aes256CMHMACSHA1_80.name: .aes256CMHMACSHA1_32
        case SRTPSuite.aes256CMHMACSHA1_32.name: .aes256CMHMACSHA1_80
        case SRTPSuite.nullHMACSHA1_80.name: .nullHMACSHA1_32
        case SRTPSuite.nullHMACSHA1_32.name: .nullHMACSHA1_80
        default: nil
        }
    }
}
