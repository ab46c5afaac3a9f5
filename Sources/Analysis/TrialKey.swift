import Datagrams
import Transforms

/// What a key candidate lets the engine build: an SRTP policy, MS-SSRTP master keys, or an MS-RTPME
/// passphrase. The key book turns SDP lines, `--key` and key files into these.
public enum KeyMaterial: Sendable, Hashable {
    /// RFC 3711 / RFC 4568: suite, master keys (with MKIs), session parameters and KDR.
    case srtp(SRTPPolicy)
    /// MS-SSRTP (1-byte MKIs, ESN trailer); SSRTCP is SRTCP over the same keys.
    case ssrtp([MasterKey])
    /// MS-RTPME: the MS-SDP `k=base64:` value; the DES key reading is decided from the first packets.
    /// nil: the flow is signalled as MS-RTPME but its `k=` line gives nothing to try (`k=prompt`, a value
    /// that is not base64, an empty one). Its packets are then counted and reported, never read as RTP.
    case rtpme(passphraseBase64: String?)
}

/// One key the decrypt engine may try on a flow (the key book's `KeyCandidate`s become these), with where it came from.
public struct TrialKey: Sendable, Hashable {
    /// Stable and unique among the candidates of one run ("sdp:3:1", "--key #2").
    public var id: String
    public var material: KeyMaterial
    /// For the report: "SDP a=crypto:1 in frame 3 by 10.0.0.1:4000", "--key #2".
    public var source: String
    /// The frame that carried the key, if it came from the capture.
    public var frame: Int?
    /// Lower is tried first: the key book gives signalled keys for the exact flow 0, keys of the dialog
    /// 10, everything else 100.
    public var priority: Int
    /// `a=cryptoscale` was offered on this leg: the sender may use MS-SSRTP with the same keys
    /// (decided per leg from the first packets).
    public var cryptoscale: Bool

    public init(
        id: String, material: KeyMaterial, source: String, frame: Int? = nil, priority: Int = 100,
        cryptoscale: Bool = false
    ) {
        self.id = id
        self.material = material
        self.source = source
        self.frame = frame
        self.priority = priority
        self.cryptoscale = cryptoscale
    }

    /// The key was signalled for this very flow (priority 0): binding it is the signalling's word, not a
    /// guess, even though the engine still checks it on the first packet.
    public var namesTheFlow: Bool { priority == 0 }

    /// The suite's name for the report ("RTPME_DES_CBC" for MS-RTPME).
    public var suiteName: String {
        switch material {
        case .srtp(let p): p.suite.name
        case .ssrtp: SRTPSuite.aesCM128HMACSHA1_80.name
        case .rtpme: "RTPME_DES_CBC"
        }
    }
}

/// The seam the key book plugs into: which keys may protect a flow at a frame, and whether signalling
/// named the flow as media.
public protocol TrialKeySource {
    /// Candidates for packets of `flow` (and `ssrc` when known) seen at `frame`, best first. Keys
    /// signalled after `frame` must not be offered (a rekey takes effect from its SDP on).
    func candidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> [TrialKey]
    /// The same candidates without those signalled for neither the flow nor its call (priority 100 and
    /// up: every other key of the capture) at the first `skippingForeign` positions of the source's
    /// order for them, an order that only grows at its end as keys are learnt; with how many positions
    /// there are (`foreign`) and how many distinct keys the whole list holds (`all`). The engine tries
    /// on a stream only those it has not tried on it yet (`DecryptEngine.Sweep`); `Int.max` gives the
    /// flow's and its call's keys alone, without building the list of all the others.
    func candidates(
        for flow: MediaFlowKey, ssrc: UInt32?, frame: Int, skippingForeign: Int
    ) -> (keys: [TrialKey], foreign: Int, all: Int)
    /// Whether `candidates(for:ssrc:frame:)` would give any key, without building the list.
    func hasCandidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> Bool
    /// True when signalling announced `flow` as media (an SDP m= line's address and port).
    func isSignalledMedia(_ flow: MediaFlowKey, frame: Int) -> Bool
    /// Changes whenever the source learns keys or bindings (a key book that grows as the capture is
    /// read); the engine asks again for what it had cached, and a caller holding packets back offers
    /// them again. Fixed sources keep it at 0.
    var revision: Int { get }
    /// Why `flow`, which signalling says is protected, has no key to try: a key signalled for it that
    /// cannot be used, or a DTLS-SRTP handshake whose keys nothing gave. nil when signalling says
    /// nothing of the kind. Asked once per stream after the pass, for streams no key decrypted.
    func missingKeyReason(for flow: MediaFlowKey, frame: Int) -> String?
    /// The frame of the answer that declined every key offered for `flow` (best-effort SRTP answered
    /// with RTP/AVP, an answer without a=crypto): its media is plain RTP, and a stream there that no key
    /// authenticates is clear, not failed. nil when some key was accepted, or nothing was answered.
    func declinedKeysAnswer(for flow: MediaFlowKey, frame: Int) -> Int?
}

extension TrialKeySource {
    /// Positions in the order of the full list: right for a source whose list only grows at its end.
    public func candidates(
        for flow: MediaFlowKey, ssrc: UInt32?, frame: Int, skippingForeign skip: Int
    ) -> (keys: [TrialKey], foreign: Int, all: Int) {
        var out: [TrialKey] = []
        var foreign = 0
        let all = candidates(for: flow, ssrc: ssrc, frame: frame)
        for c in all {
            if c.priority >= 100 {
                foreign += 1
                if foreign <= skip { continue }
            }
            out.append(c)
        }
        return (out, foreign, all.count)
    }

    public func hasCandidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> Bool {
        !candidates(for: flow, ssrc: ssrc, frame: frame).isEmpty
    }

    public var revision: Int { 0 }
    public func missingKeyReason(for flow: MediaFlowKey, frame: Int) -> String? { nil }
    public func declinedKeysAnswer(for flow: MediaFlowKey, frame: Int) -> Int? { nil }
}

/// A fixed list of keys, each optionally limited to some flows: what `--key` without signalling gives,
/// and what the tests feed from the corpus's expected results.
public struct StaticTrialKeys: TrialKeySource {
    public struct Entry: Sendable {
        public var candidate: TrialKey
        /// The flows this key applies to; empty means every flow.
        public var flows: Set<MediaFlowKey>
        public init(_ candidate: TrialKey, flows: Set<MediaFlowKey> = []) {
            self.candidate = candidate
            self.flows = flows
        }
    }

    public var entries: [Entry]
    /// Flows to treat as signalled media (the expected results' stream addresses, in tests).
    public var signalledFlows: Set<MediaFlowKey>

    public init(entries: [Entry], signalledFlows: Set<MediaFlowKey> = []) {
        self.entries = entries
        self.signalledFlows = signalledFlows
    }

    public func candidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> [TrialKey] {
        var out: [TrialKey] = []
        for e in entries where e.flows.isEmpty || e.flows.contains(flow) {
            if let f = e.candidate.frame, f > frame { continue }
            out.append(e.candidate)
        }
        // Best first; a key listed for the flow and again for every flow is offered once. Among equal
        // priorities, by the frame that brought the key (stable): as the frame advances, keys appear at
        // the end of their priority, so that the list of priority 100 only grows at its end.
        var seen: Set<String> = []
        return out.enumerated()
            .sorted { ($0.element.priority, $0.element.frame ?? 0, $0.offset) < ($1.element.priority, $1.element.frame ?? 0, $1.offset) }
            .map(\.element)
            .filter { seen.insert($0.id).inserted }
    }

    public func isSignalledMedia(_ flow: MediaFlowKey, frame: Int) -> Bool { signalledFlows.contains(flow) }
}

/// No keys at all: every flow is reported from its headers only.
public struct NoTrialKeys: TrialKeySource {
    public init() {}
    public func candidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> [TrialKey] { [] }
    public func isSignalledMedia(_ flow: MediaFlowKey, frame: Int) -> Bool { false }
}
