import Capture
import Datagrams
import Signalling
import Transforms

/// Every key known for a capture and the flows each one protects.
///
/// Built once from the dialogs (after the signalling pass) and the keys given by hand, then asked per
/// flow by the decrypt stage (`candidates`). Lookups go through dictionaries keyed by endpoint and SSRC;
/// callers should ask once per new flow or SSRC and keep the answer, not once per packet.
public struct KeyBook: Sendable {
    public private(set) var entries: [KeyEntry] = []
    /// Problems found while building the book (unusable key material), with frame numbers.
    public private(set) var diagnostics: [Diagnostic] = []

    /// Entry indices per group (one group per attribute).
    private var groups: [[Int]] = []
    private var bySender: [Endpoint: [Int]] = [:]
    private var byDestination: [Endpoint: [Int]] = [:]
    private var bySSRC: [UInt32: [Int]] = [:]
    private var byCall: [String: [Int]] = [:]
    private var unscoped: [Int] = []
    /// Offer key-params already entered, so that an offer shared by forks or repeated in a changed
    /// answer's exchange is listed once: "call/frame/media/tag/param" → entry index.
    private var seen: [String: Int] = [:]
    /// The dialog (position in the tracker's list) that entered each SDP entry.
    private var origin: [Int: Int] = [:]

    public init() {}

    /// The number of groups (attributes) in the book.
    public var groupCount: Int { groups.count }

    /// Counts every change to the book (an entry added, chosen, given a destination or an effective
    /// frame), so that a reader of a book that grows during the pass knows when to ask again.
    public private(set) var revision = 0

    /// Adds the keys of every exchange of every dialog. Messages at frame 0 came from a side file
    /// (`--signalling`): `sideFiles` maps their Call-IDs to the file, and their keys are listed with it.
    public mutating func add(dialogs: [Dialog], sideFiles: [String: String] = [:]) {
        for (i, d) in dialogs.enumerated() { add(dialog: d, at: i, sideFile: sideFiles[d.callID]) }
    }

    /// Adds (or adds again, as the pass goes on) the keys of one dialog, `position` being its index in
    /// the tracker's list. Keys already entered are kept once; an offer entered before its answer takes
    /// effect when the same dialog is added again with the answer.
    public mutating func add(dialog d: Dialog, at position: Int, sideFile: String?) {
        for (g, x) in d.exchanges.enumerated() where x.rejectedFrame == nil {
            add(
                record: x.offer, peer: x.answer, exchange: x, generation: g, callID: d.callID,
                sideFile: sideFile, dialog: position)
            if let a = x.answer {
                add(
                    record: a, peer: x.offer, exchange: x, generation: g, callID: d.callID,
                    sideFile: sideFile, dialog: position)
            }
        }
    }

    private mutating func add(
        record: SDPRecord, peer: SDPRecord?, exchange x: OfferAnswerExchange, generation: Int, callID: String,
        sideFile: String?, dialog: Int
    ) {
        let source: KeySource =
            record.context.frame == 0 && sideFile != nil ? .signallingFile(path: sideFile ?? "") : .sdp
        let answered = x.answer != nil
        for line in record.media {
            let peerLine = peer.flatMap { p in line.index < p.media.count ? p.media[line.index] : nil }
            let answerLine = record.role == .answer ? line : peerLine
            let lineAccepted = answered && answerLine.map { !$0.isRejected } ?? false
            let chosenTag = answerLine?.crypto.first?.tag
            func base(_ attribute: KeyAttribute, suiteName: String, suite: SRTPSuite?, keySalt: [UInt8]?) -> KeyEntry {
                var e = KeyEntry(
                    source: source,
                    attribute: attribute, suiteName: suiteName, suite: suite, keySalt: keySalt, group: groups.count)
                e.callID = callID
                e.frame = record.context.frame
                e.effectiveFrame = x.completedFrame
                e.generation = generation
                e.role = record.role
                e.party = record.author
                e.sender = line.address
                e.senderText = line.connectionAddress.map { a in
                    a.contains(":") ? "[\(a)]:\(line.port)" : "\(a):\(line.port)"
                }
                e.senderRTCP = line.rtcpAddress
                e.destination = peerLine?.address
                e.destinationRTCP = peerLine?.rtcpAddress
                e.ssrcs = line.ssrcs
                e.candidates = line.candidates.map(\.endpoint)
                e.media = line.type
                e.mediaIndex = line.index
                e.cryptex = line.cryptex
                e.encryptedExtensionIDs = line.encryptedExtensionIDs
                return e
            }
            for attr in line.crypto {
                let selected = lineAccepted && (record.role == .answer || attr.tag == chosenTag)
                var members: [Int] = []
                for (p, kp) in attr.keyParams.enumerated() {
                    let id = "\(callID)/\(record.context.frame)/\(record.author)/\(line.index)/\(attr.tag)/\(p)"
                    if let existing = seen[id] {
                        // Same offer seen again (fork, changed answer, or the dialog re-read as the pass goes
                        // on): keep one entry, chosen if any answer chose it, in effect from its answer.
                        if selected, !entries[existing].selected {
                            entries[existing].selected = true
                            revision += 1
                        }
                        if origin[existing] == dialog { noteEffective(x.completedFrame, entry: existing) }
                        addDestination(peerLine, toEntry: existing)
                        continue
                    }
                    var e = base(
                        attr.kind == .crypto ? .crypto : .cryptoscale, suiteName: attr.suite?.name ?? attr.suiteName,
                        suite: attr.suite, keySalt: kp.method == "inline" ? kp.keySalt : nil)
                    e.tag = attr.tag
                    e.keyText = kp.method == "inline" ? nil : "\(kp.method):\(kp.rawInfo)"
                    if let m = kp.mki, let v = m.value { e.mki = KeyEntry.MKI(value: v, length: m.length) }
                    e.lifetime = kp.lifetime?.text
                    e.lifetimePackets = kp.lifetime?.packets
                    e.params = attr.sessionParams.map(Self.text(of:))
                    e.selected = selected
                    if e.masterKey == nil, kp.method == "inline" {
                        diagnostics.append(
                            Diagnostic(
                                .warning, code: KeyBookCode.unusableKey, frame: record.context.frame,
                                field: "SDP a=\(attr.kind.rawValue):\(attr.tag)",
                                "key-param \(p + 1) is not usable for \(attr.suiteName) (\(kp.keySalt.map { "\($0.count) bytes" } ?? "undecodable")); listed but never tried"
                            ))
                    }
                    seen[id] = entries.count
                    origin[entries.count] = dialog
                    members.append(entries.count)
                    entries.append(e)
                }
                if !members.isEmpty { index(group: members) }
            }
            if let k = line.key {
                let id = "\(callID)/\(record.context.frame)/\(record.author)/\(line.index)/k"
                if let existing = seen[id] {
                    if lineAccepted, !entries[existing].selected {
                        entries[existing].selected = true
                        revision += 1
                    }
                    if origin[existing] == dialog { noteEffective(x.completedFrame, entry: existing) }
                    continue
                }
                var e = base(.k, suiteName: "MS-RTPME", suite: nil, keySalt: k.decoded ?? Array(k.text.utf8))
                e.keyText = k.method == .prompt ? "prompt" : "\(k.method.rawValue):\(k.text)"
                e.selected = lineAccepted
                seen[id] = entries.count
                origin[entries.count] = dialog
                entries.append(e)
                index(group: [entries.count - 1])
            }
        }
    }

    /// An offer entered before its answer takes effect with the answer (the first one, RFC 3264 §4).
    private mutating func noteEffective(_ frame: Int?, entry i: Int) {
        guard let frame, entries[i].effectiveFrame == nil else { return }
        entries[i].effectiveFrame = frame
        revision += 1
    }

    /// A forked offer reaches several answerers: each one's address is a destination of the offer's key.
    private mutating func addDestination(_ peerLine: MediaLine?, toEntry i: Int) {
        guard let peer = peerLine?.address else { return }
        if entries[i].destination == nil {
            entries[i].destination = peer
            entries[i].destinationRTCP = peerLine?.rtcpAddress
        } else if entries[i].destination == peer || entries[i].otherDestinations.contains(peer) {
            return
        } else {
            entries[i].otherDestinations.append(peer)
        }
        revision += 1
        byDestination[peer, default: []].append(entries[i].group)
        if let r = peerLine?.rtcpAddress, r != peer { byDestination[r, default: []].append(entries[i].group) }
    }

    static func text(of p: SDESSessionParam) -> String {
        switch p {
        case .kdr(let n): "KDR=\(n)"
        case .unencryptedSRTP: "UNENCRYPTED_SRTP"
        case .unencryptedSRTCP: "UNENCRYPTED_SRTCP"
        case .unauthenticatedSRTP: "UNAUTHENTICATED_SRTP"
        case .fecOrder(let s): "FEC_ORDER=\(s)"
        case .fecKey(let kps): "FEC_KEY=" + kps.map { "\($0.method):\($0.rawInfo)" }.joined(separator: ";")
        case .windowSizeHint(let n): "WSH=\(n)"
        case .unknown(let s): s
        }
    }

    /// Adds keys given by hand or read from a file. Entries with a call, sender or destination bind
    /// like signalled ones; entries with a scope bind by it; the rest are unscoped.
    /// Consecutive entries with the same `group` value (as given) stay one group: pass one `--key`, or
    /// one `--keys` file, per call.
    public mutating func add(manual: [KeyEntry]) {
        var i = 0
        while i < manual.count {
            var j = i + 1
            while j < manual.count, manual[j].group == manual[i].group { j += 1 }
            var members: [Int] = []
            for var e in manual[i..<j] {
                e.group = groups.count
                members.append(entries.count)
                entries.append(e)
            }
            index(group: members)
            i = j
        }
    }

    private mutating func index(group members: [Int]) {
        revision += 1
        let g = groups.count
        groups.append(members)
        guard let first = members.first else { return }
        let e = entries[first]
        var senders = Set<Endpoint>()
        var destinations = Set<Endpoint>()
        if let s = e.sender { senders.insert(s) }
        if let s = e.senderRTCP { senders.insert(s) }
        for c in e.candidates { senders.insert(c) }
        for a in e.scope.addresses { senders.insert(a) }
        if let d = e.destination { destinations.insert(d) }
        if let d = e.destinationRTCP { destinations.insert(d) }
        for d in e.otherDestinations { destinations.insert(d) }
        // Placeholders (0.0.0.0:9 in WebRTC, RFC 8839 §4.2.5) are no flow's address: such keys bind by
        // a=ssrc, by call, or by trial.
        for s in senders where !s.address.isUnspecified { bySender[s, default: []].append(g) }
        for d in destinations where !d.address.isUnspecified { byDestination[d, default: []].append(g) }
        for x in Set(e.ssrcs + e.scope.ssrcs) { bySSRC[x, default: []].append(g) }
        if let c = e.callID { byCall[c, default: []].append(g) }
        // Nothing to bind by (a key given bare, or an SDP with only placeholder addresses and no
        // a=ssrc): a candidate for every stream, tried last.
        if !senders.contains(where: { !$0.address.isUnspecified }),
            !destinations.contains(where: { !$0.address.isUnspecified }), e.ssrcs.isEmpty, e.scope.isEmpty
        {
            unscoped.append(g)
        }
    }

    /// The keys to try for a packet, best first: keys signalled for this flow (in effect at `frame`
    /// before not yet in effect, chosen before merely offered, the newest generation first), then the
    /// other keys of the same calls, then unscoped keys (left out with `unscoped: false`: a caller that
    /// has every key of the book at hand anyway, as the decrypt stage has, need not have them listed).
    public func candidates(
        frame: Int, source: Endpoint?, destination: Endpoint?, ssrc: UInt32?, unscoped withUnscoped: Bool = true
    ) -> [KeyCandidate] {
        var score: [Int: Int] = [:]
        if let s = source { for g in bySender[s] ?? [] { score[g, default: 0] += 4 } }
        if let d = destination { for g in byDestination[d] ?? [] { score[g, default: 0] += 2 } }
        if let x = ssrc { for g in bySSRC[x] ?? [] { score[g, default: 0] += 8 } }
        func rank(_ a: Int, _ b: Int) -> Bool {
            let ea = entries[groups[a][0]]
            let eb = entries[groups[b][0]]
            let inEffectA = ea.effectiveFrame.map { $0 <= frame } ?? false
            let inEffectB = eb.effectiveFrame.map { $0 <= frame } ?? false
            if inEffectA != inEffectB { return inEffectA }
            if ea.selected != eb.selected { return ea.selected }
            if score[a, default: 0] != score[b, default: 0] { return score[a, default: 0] > score[b, default: 0] }
            let fa = ea.effectiveFrame ?? -1
            let fb = eb.effectiveFrame ?? -1
            if fa != fb { return fa > fb }
            return a < b
        }
        let flow = score.keys.sorted(by: rank)
        var taken = Set(flow)
        var out = flow.map { KeyCandidate(priority: .flow, entries: groups[$0].map { entries[$0] }) }
        // In the order the flow's groups rank; a set beside, since a flow many calls name (one address
        // reused by thousands of INVITEs) would make `contains` on the array quadratic.
        var calls: [String] = []
        var callSet = Set<String>()
        for g in flow { if let c = entries[groups[g][0]].callID, callSet.insert(c).inserted { calls.append(c) } }
        var callGroups: [Int] = []
        for c in calls { for g in byCall[c] ?? [] where taken.insert(g).inserted { callGroups.append(g) } }
        out += callGroups.sorted(by: rank).map {
            KeyCandidate(priority: .call, entries: groups[$0].map { entries[$0] })
        }
        for g in unscoped where withUnscoped && taken.insert(g).inserted {
            out.append(KeyCandidate(priority: .unscoped, entries: groups[g].map { entries[$0] }))
        }
        return out
    }
}

/// Stable diagnostic codes of the KeyBook stage.
public enum KeyBookCode {
    public static let unusableKey = "keybook.unusable-key"
    public static let keySpec = "keybook.key-spec"
    public static let keysFile = "keybook.keys-file"
    public static let signallingFile = "keybook.signalling-file"
}

extension IPAddress {
    /// 0.0.0.0 or :: (RFC 4291 §2.5.2).
    var isUnspecified: Bool { high == 0 && low == 0 }
}
