import Analysis
import Datagrams
import KeyBook
import Transforms

/// The key book seen through the decrypt engine's seam: each `KeyBook.KeyCandidate` (one SDP attribute's
/// keys, or one `--key`) becomes a `TrialKey` the engine can build a context from.
///
/// Either a fixed book, or the book a `SignallingTracker` grows during the pass (`decrypt` and
/// `streams` read the capture once): then each question is answered with the keys known so far, and
/// `revision` tells the engine, and the pipeline holding packets back, when there is more to know.
public final class KeyBookCandidates: TrialKeySource {
    private let fixed: KeyBook
    private let tracker: SignallingTracker?
    /// Every key of the book, for flows the book binds nothing to (NAT, a TURN relay, missing
    /// signalling): binding by trial, after the book's own choices; keys from the capture and side files
    /// in book order, then keys given by hand (as in the book of the whole capture). Positions for the
    /// engine's sweeps (`DecryptEngine.Sweep`) count `manual` first: those are all known before the
    /// first frame, so positions only grow at their end as `found` grows.
    private var found: [TrialKey] = []
    private var manual: [TrialKey] = []
    /// Entries of the book already converted into `found` or `manual`.
    private var converted = 0

    public init(book: KeyBook) {
        fixed = book
        tracker = nil
    }

    /// Reads `tracker.book` as it grows.
    public init(tracker: SignallingTracker) {
        fixed = KeyBook()
        self.tracker = tracker
    }

    public var book: KeyBook { tracker?.book ?? fixed }

    /// Read on every packet: straight from the tracker's book, without copying the book.
    public var revision: Int { tracker?.book.revision ?? fixed.revision }

    public func candidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> [TrialKey] {
        candidates(for: flow, ssrc: ssrc, frame: frame, skippingForeign: 0).keys
    }

    /// The book's choices for the flow and its calls, then `found` and `manual` from position `skip` on
    /// (positions count `manual` then `found`, leaving out none). The book's unscoped keys are in those
    /// two lists already, in book order: a media server's log gives thousands, which are then not listed
    /// for every packet of every flow. Every key of the book is in one of the two lists, so the whole
    /// list holds `manual.count + found.count` distinct keys.
    public func candidates(
        for flow: MediaFlowKey, ssrc: UInt32?, frame: Int, skippingForeign skip: Int
    ) -> (keys: [TrialKey], foreign: Int, all: Int) {
        let book = self.book
        var out = book.candidates(
            frame: frame, source: flow.source, destination: flow.destination, ssrc: ssrc, unscoped: false
        )
        .compactMap { Self.convert($0.entries, priority: $0.priority.rawValue * 10) }
        if converted < book.entries.count { convert(book) }
        let total = manual.count + found.count
        guard skip < total else { return (out, total, total) }
        let ids = Set(out.map(\.id))
        let from = max(0, skip)
        for i in max(from, manual.count)..<total where !ids.contains(found[i - manual.count].id) {
            out.append(found[i - manual.count])
        }
        for i in from..<max(from, manual.count) where !ids.contains(manual[i].id) { out.append(manual[i]) }
        return (out, total, total)
    }

    /// Every key of the book is in `manual` or `found` (a book's candidate for a flow is one of them), so
    /// the answer needs no list.
    public func hasCandidates(for flow: MediaFlowKey, ssrc: UInt32?, frame: Int) -> Bool {
        let book = self.book
        if converted < book.entries.count { convert(book) }
        return !manual.isEmpty || !found.isEmpty
    }

    /// Converts the entries added since the last call, group by group (a group's entries are contiguous
    /// and entered together).
    private func convert(_ book: KeyBook) {
        let entries = book.entries
        let manualGroups = tracker?.manualGroups ?? 0..<0
        var i = converted
        while i < entries.count {
            let g = entries[i].group
            var j = i + 1
            while j < entries.count, entries[j].group == g { j += 1 }
            if let c = Self.convert(Array(entries[i..<j]), priority: 100) {
                if manualGroups.contains(g) { manual.append(c) } else { found.append(c) }
            }
            i = j
        }
        converted = entries.count
    }

    /// A flow is signalled media when some key was signalled for it (its sender or peer address).
    public func isSignalledMedia(_ flow: MediaFlowKey, frame: Int) -> Bool {
        book.candidates(frame: frame, source: flow.source, destination: flow.destination, ssrc: nil, unscoped: false)
            .contains { $0.priority == .flow }
    }

    /// One attribute's entries (several for MKI-told keys) as an engine candidate.
    static func convert(_ entries: [KeyEntry], priority: Int) -> TrialKey? {
        guard let e = entries.first else { return nil }
        let material: KeyMaterial
        switch e.attribute {
        case .k:
            // Even without a passphrase to try: the flow is still MS-RTPME, not RTP to be read in clear.
            material = .rtpme(passphraseBase64: e.rtpmePassphraseBase64)
        default:
            guard let suite = e.suite else { return nil }
            let keys = entries.compactMap(\.masterKey)
            guard !keys.isEmpty else { return nil }
            material = .srtp(
                SRTPPolicy(
                    suite: suite, keys: keys, keyDerivationRate: e.keyDerivationRate,
                    sessionParameters: e.sessionParameters, cryptex: e.cryptex,
                    encryptedExtensionIDs: Set(e.encryptedExtensionIDs.compactMap { UInt8(exactly: $0) })))
        }
        return TrialKey(
            id: "keybook group \(e.group)", material: material, source: sourceLabel(e), frame: e.frame > 0 ? e.frame : nil,
            priority: priority, cryptoscale: e.attribute == KeyAttribute.cryptoscale)
    }

    /// Where an entry came from, as reports show it: "SDP a=crypto:1 in frame 4 by 10.0.0.1:4000", "--key #2".
    static func sourceLabel(_ e: KeyEntry) -> String {
        switch e.source {
        case .sdp:
            let attr = e.attribute == .k ? "k=" : "a=\(e.attribute.rawValue)\(e.tag.map { ":\($0)" } ?? "")"
            let by = e.sender.map { " by \($0)" } ?? ""
            return "SDP \(attr) in frame \(e.frame)\(by)"
        default:
            return e.source.label
        }
    }

    /// The book's keys signalled for `flow` itself (priority `.flow`), as known at `frame`.
    private func signalledForFlow(_ flow: MediaFlowKey, frame: Int) -> [KeyCandidate] {
        book.candidates(frame: frame, source: flow.source, destination: flow.destination, ssrc: nil)
            .filter { $0.priority == .flow }
    }

    public func declinedKeysAnswer(for flow: MediaFlowKey, frame: Int) -> Int? {
        // The keys signalled for the flow; when it has none (the answerer's media, when only the offer
        // carried keys), those of the other direction: an answer declines for both.
        var entries = signalledForFlow(flow, frame: frame).flatMap(\.entries)
        if entries.isEmpty { entries = signalledForFlow(flow.reversed, frame: frame).flatMap(\.entries) }
        // Every one offered and answered (it has an effective frame), none accepted; keys given by hand
        // are never "declined".
        guard !entries.isEmpty,
            entries.allSatisfy({ e in
                if case .sdp = e.source { return !e.selected && e.effectiveFrame != nil }
                return false
            })
        else { return nil }
        return entries.compactMap(\.effectiveFrame).min()
    }

    public func missingKeyReason(for flow: MediaFlowKey, frame: Int) -> String? {
        let signalled = signalledForFlow(flow, frame: frame)
        // Only a key the answer accepted says the flow is protected: best-effort SRTP (RTP/AVP with an
        // a=crypto the answer leaves out) and an answer that declines SRTP leave the media in clear.
        if !signalled.isEmpty, signalled.allSatisfy({ $0.entries.allSatisfy { !$0.isUsable } }),
            let e = signalled.lazy.flatMap(\.entries).first(where: \.selected)
        {
            return "the key signalled for it (\(Self.sourceLabel(e))) cannot be used"
        }
        let ends: Set<Endpoint> = [flow.source, flow.destination]
        if let h = tracker?.dtls.handshakes.first(where: {
            Set([$0.client, $0.server]) == ends && ($0.profile != nil || !$0.offeredProfiles.isEmpty)
        }), h.keySource == nil, candidates(for: flow, ssrc: nil, frame: frame).isEmpty {
            return "a DTLS-SRTP handshake (frame \(h.clientHelloFrame)) keys it, and no key log or keying material "
                + "gave its keys (--tls-keylog, --dtls-srtp-material, --keys-from-log)"
        }
        return nil
    }
}
