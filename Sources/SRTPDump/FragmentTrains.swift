import Analysis
import Capture
import Datagrams

/// The IP fragment trains of UDP datagrams that may carry media, followed through the decrypt pass so that
/// a datagram rebuilt from fragments (video, large SRTCP compounds) is decrypted like any other and its
/// plaintext written back into the same frames.
///
/// A fragment that may belong to such a datagram becomes a *member* of its train (one per datagram: source,
/// destination, protocol and identification, RFC 791 §2.3 and RFC 8200 §4.5, as the decoder keys them) and
/// is held in the look-behind buffer (`HeldFrames`), with every frame after it, until the train completes.
/// Which fragments: the first one (offset 0) shows the UDP ports and the payload's first byte, and is
/// taken when that byte may start media (RFC 7983 §7: RTP/RTCP, TURN ChannelData, STUN with its cookie; or
/// anything, on a flow with an MS-RTPME key, which encrypts the header too); a later fragment that comes
/// before the first is held on the strength of its IP identification alone (for IPv4 only when the header
/// says UDP; IPv6 names the protocol in the first fragment only), and let go when the first one shows it
/// is not media. Only the first fragment's BPF verdict counts (a filter on ports cannot match the others).
///
/// When the train's first frame reaches the head of the buffer and the train is complete, it is decided
/// (`FragmentedMediaDecision`): the datagram goes to the engine, and the frames are written one by one as
/// they reach the head, each cut from the plaintext datagram (`Output.FragmentRewriter`). A train that
/// cannot complete in time — the buffer full, the decoder's reassembly age passed, the capture's end — is
/// let go: its frames are decided as ordinary frames, written unchanged, and the decoder names them
/// (`fragment.incomplete`, `fragment.expired`; or `decrypt.fragmented-media` if the datagram completes
/// after its first fragments were written).
///
/// Bounded: at most `maxTrains` trains of at most `maxMembers` fragments are followed; past that a
/// datagram's fragments are not held (and it is reported as before, not decrypted).
struct FragmentTrains {
    struct Key: Hashable {
        var source: IPAddress
        var destination: IPAddress
        /// The IPv4 protocol (0 for IPv6, whose fragment key has none).
        var protocolNumber: UInt8
        var identification: UInt32
    }

    /// One fragment: its frame and its place in the datagram.
    struct Member {
        var frame: Int
        var offset: Int
        var length: Int
        var more: Bool
    }

    struct Train {
        var members: [Member] = []
        /// Whether the first fragment may carry media; nil until it comes.
        var media: Bool?
        var firstTime: Timestamp
        /// The first fragment's IP header (IPv4 with its options; IPv6's fixed 40 bytes), to frame the
        /// rebuilt datagram for the engine.
        var ipHeader: [UInt8] = []
        /// The decoder found fragments that disagree (overlapping bytes that differ, two different ends,
        /// bytes past the end, a datagram too large).
        var conflict = false
        /// The datagram, once the decoder completed it, and the frame that completed it.
        var datagram: ReassembledDatagram?
        var completingFrame = 0
        var completingTime = Timestamp(seconds: 0, nanoseconds: 0)
        /// Set once the datagram was given to the engine (or found unfit): how each member is written.
        var decision: FragmentedMediaDecision.Outcome?
        /// Members written so far.
        var written = 0
    }

    /// What a fragment's headers say.
    struct Fragment {
        var key: Key
        var member: Member
        /// The fragment's data in the frame.
        var data: Range<Int>
        /// Where its IP header starts in the frame and how long it is (IPv6: the fixed 40 bytes).
        var ipStart: Int
        var ipHeaderLength: Int
        /// The upper-layer protocol when the fragment tells (IPv4 always; IPv6 the first fragment only).
        var upperProtocol: UInt8?
    }

    static let maxTrains = 256
    static let maxMembers = 64
    static let maxPassed = 4096

    private(set) var trains: [Key: Train] = [:]
    private var byFrame: [Int: Key] = [:]
    /// Datagrams whose first fragment showed no media, or let go: their later fragments are not held.
    private var passed: Set<Key> = []
    /// The reassembly age after which the decoder gives up a datagram (`FragmentLimits.maxAgeNanoseconds`).
    let maxAgeNanoseconds: Int64
    private var oldest: Timestamp?
    /// A train completed or was let go since the pipeline last looked: the held frames may move.
    var becameReady = false

    init(maxAgeNanoseconds: Int64) { self.maxAgeNanoseconds = maxAgeNanoseconds }

    var isEmpty: Bool { trains.isEmpty }

    /// Whether `frame` is a member still to be written.
    func isMember(_ frame: Int) -> Bool { !byFrame.isEmpty && byFrame[frame] != nil }

    /// The train `frame` belongs to.
    func train(of frame: Int) -> (key: Key, train: Train)? {
        guard let k = byFrame[frame], let t = trains[k] else { return nil }
        return (k, t)
    }

    /// Notes a frame the decoder took as an IP fragment (`DecodedFrame.heldFragment`; the pipeline asks
    /// only for those, so that other frames cost nothing here). Returns true when it is a member of a
    /// train: the caller must hold it. `mayBeRTPME` says whether a flow has an MS-RTPME key (whose
    /// packets may start with any byte) at a frame.
    mutating func observe(
        _ frame: Frame, _ decoded: DecodedFrame, selected: Bool, mayBeRTPME: (MediaFlowKey, Int) -> Bool
    ) -> Bool {
        guard decoded.heldFragment, let f = Self.fragment(of: decoded, in: frame) else { return false }
        let k = f.key
        if var t = trains[k] {
            // A fragment repeated after the datagram completed: the decoder starts a new datagram with it.
            guard t.datagram == nil else { return false }
            guard t.members.count < Self.maxMembers else {
                letGo(k)
                return false
            }
            t.members.append(f.member)
            if Self.disagrees(decoded) { t.conflict = true }
            if f.member.offset == 0, t.media == nil {
                t.media = selected && Self.mayCarryMedia(f, frame, mayBeRTPME: mayBeRTPME)
                t.ipHeader = Array(frame.data[f.ipStart..<(f.ipStart + f.ipHeaderLength)])
            }
            if t.media == false {
                trains[k] = t
                letGo(k, completed: decoded.reassembled != nil)
                return false
            }
            if let r = decoded.reassembled {
                t.datagram = r
                t.completingFrame = frame.number
                t.completingTime = frame.timestamp
                becameReady = true
            }
            trains[k] = t
            byFrame[frame.number] = k
            return true
        }
        if passed.contains(k) {
            if decoded.reassembled != nil { passed.remove(k) }
            return false
        }
        // A datagram completed without a train (its first fragments were written already) is reported
        // by the pipeline as before.
        guard decoded.reassembled == nil, trains.count < Self.maxTrains else { return false }
        var t = Train(firstTime: frame.timestamp)
        if f.member.offset == 0 {
            guard selected, Self.mayCarryMedia(f, frame, mayBeRTPME: mayBeRTPME) else {
                pass(k)
                return false
            }
            t.media = true
            t.ipHeader = Array(frame.data[f.ipStart..<(f.ipStart + f.ipHeaderLength)])
        } else if let p = f.upperProtocol, p != 17 {
            return false
        }
        t.members = [f.member]
        t.conflict = Self.disagrees(decoded)
        trains[k] = t
        byFrame[frame.number] = k
        if oldest.map({ frame.timestamp < $0 }) ?? true { oldest = frame.timestamp }
        return true
    }

    /// Records the decision of a train (once, when its first member reaches the head of the buffer).
    mutating func decide(_ key: Key, _ outcome: FragmentedMediaDecision.Outcome) {
        trains[key]?.decision = outcome
    }

    /// Notes that a member was written; the train is forgotten after its last.
    mutating func written(_ frame: Int) {
        guard let k = byFrame.removeValue(forKey: frame), var t = trains[k] else { return }
        t.written += 1
        trains[k] = t.written >= t.members.count ? nil : t
    }

    /// Lets a train go: its held members become ordinary frames (written unchanged), and its later
    /// fragments are not held (unless the datagram `completed` with this frame).
    mutating func letGo(_ key: Key, completed: Bool = false) {
        guard let t = trains.removeValue(forKey: key) else { return }
        for m in t.members where byFrame[m.frame] == key { byFrame[m.frame] = nil }
        if !completed && t.datagram == nil { pass(key) }
        becameReady = true
    }

    private mutating func pass(_ key: Key) {
        if passed.count >= Self.maxPassed { passed.removeAll(keepingCapacity: true) }
        passed.insert(key)
    }

    /// Lets go the incomplete trains older than the decoder's reassembly age: the decoder has dropped
    /// their fragments (`fragment.expired`), so they cannot complete any more. The pipeline asks while
    /// frames are held (the only time a waiting train matters); true when some train was let go.
    mutating func expire(now: Timestamp) -> Bool {
        guard let o = oldest, Self.nanoseconds(from: o, to: now) > maxAgeNanoseconds else { return false }
        var expired = false
        var newOldest: Timestamp?
        for (k, t) in trains where t.datagram == nil {
            if Self.nanoseconds(from: t.firstTime, to: now) > maxAgeNanoseconds {
                expired = true
                letGo(k)
                passed.remove(k)  // the decoder forgot it too: a later fragment starts afresh
            } else if newOldest.map({ t.firstTime < $0 }) ?? true {
                newOldest = t.firstTime
            }
        }
        oldest = newOldest
        return expired
    }

    /// The decoder's diagnostics that say this fragment's datagram is not one clean train.
    static func disagrees(_ decoded: DecodedFrame) -> Bool {
        decoded.diagnostics.contains {
            $0.code == "fragment.overlap-conflict" || $0.code == "fragment.length-conflict"
                || $0.code == "fragment.past-end" || $0.code == "fragment.too-large"
        }
    }

    /// The fragment header fields of a decoded frame (IPv4 or IPv6), nil when it is not a fragment.
    static func fragment(of decoded: DecodedFrame, in frame: Frame) -> Fragment? {
        if let v4 = decoded.ipv4 {
            guard v4.isFragment else { return nil }
            let start = v4.payloadRange.lowerBound - v4.headerLength
            guard start >= 0, v4.payloadRange.upperBound <= frame.data.count else { return nil }
            return Fragment(
                key: Key(
                    source: v4.source, destination: v4.destination, protocolNumber: v4.protocolNumber,
                    identification: UInt32(v4.identification)),
                member: Member(
                    frame: frame.number, offset: v4.fragmentOffset, length: v4.payloadRange.count,
                    more: v4.moreFragments),
                data: v4.payloadRange, ipStart: start, ipHeaderLength: v4.headerLength,
                upperProtocol: v4.protocolNumber)
        }
        guard case .ipv6(let v6)? = decoded.network, let f = v6.fragment, let link = decoded.link,
            link.payloadOffset + 40 <= v6.payloadRange.lowerBound, v6.payloadRange.upperBound <= frame.data.count
        else { return nil }
        return Fragment(
            key: Key(
                source: v6.source, destination: v6.destination, protocolNumber: 0, identification: f.identification),
            member: Member(frame: frame.number, offset: f.offset, length: v6.payloadRange.count, more: f.moreFragments),
            data: v6.payloadRange, ipStart: link.payloadOffset, ipHeaderLength: 40,
            upperProtocol: f.offset == 0 ? f.nextHeader : nil)
    }

    /// Whether a first fragment (offset 0) may start a media datagram: UDP (directly after the IP
    /// headers), and a payload whose first byte is RTP/RTCP (128–191), TURN ChannelData (64–79) or STUN
    /// (0–3) with its magic cookie (a Send or Data indication), by RFC 7983 §7; any byte on a flow with an
    /// MS-RTPME key. SIP and DTLS are never media.
    static func mayCarryMedia(_ f: Fragment, _ frame: Frame, mayBeRTPME: (MediaFlowKey, Int) -> Bool) -> Bool {
        guard f.upperProtocol == 17, f.data.count >= 8 else { return false }
        let d = frame.data
        let u = f.data.lowerBound
        let sourcePort = UInt16(d[u]) << 8 | UInt16(d[u + 1])
        let destinationPort = UInt16(d[u + 2]) << 8 | UInt16(d[u + 3])
        let payload = d[(u + 8)..<f.data.upperBound]
        guard let b0 = payload.first else { return true }  // nothing to judge by yet
        switch b0 {
        case 128...191, 64...79: return true
        case 0...3:
            let cookie: [UInt8] = [0x21, 0x12, 0xA4, 0x42]
            return payload.count >= 8 && payload.dropFirst(4).prefix(4).elementsEqual(cookie)
        default:
            if PayloadClassifier.isSIPStartLine(payload) || (20...63).contains(b0) { return false }
            let flow = MediaFlowKey(
                source: Endpoint(f.key.source, sourcePort), destination: Endpoint(f.key.destination, destinationPort))
            return mayBeRTPME(flow, frame.number)
        }
    }

    static func nanoseconds(from a: Timestamp, to b: Timestamp) -> Int64 {
        (b.seconds &- a.seconds) &* 1_000_000_000 &+ (Int64(b.nanoseconds) &- Int64(a.nanoseconds))
    }
}
