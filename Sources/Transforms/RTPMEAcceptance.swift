/// When a DES-CBC decryption of an MS-RTPME packet is taken for the right key.
///
/// MS-RTPME has no authentication tag (RFC 3550 §9.1 as Microsoft uses it), so a key can only be judged
/// by what it decrypts to. One packet on its own says little: the first byte of a wrong key's output
/// reads as version 2 one time in four, and a test measured the old first-block rule (version 2, RTP
/// payload type outside 72–76) accepting about one wrong key in eight per reading. The rule here has two
/// stages:
///
/// 1. **The packet hangs together** (`plausible`), over the whole plaintext:
///    - version 2 (RFC 3550 §5.1);
///    - RTP: a payload type RFC 3551 §6 assigns to audio or video, or a dynamic one (96–127); the CSRC
///      list and a header extension inside the packet (RFC 3550 §5.3.1); if the P bit is set, a padding
///      count in the last octet that fits the payload (RFC 3550 §5.1: the padding includes the count);
///      MS-RTPME pads to 8 bytes with zeros and does not set P, so a P bit means the sender padded per
///      §9.1 itself;
///    - RTCP: packet types 200–207 (RFC 3550 §6.4–6.7 and the RTCP extensions RFC 4585, RFC 3611, RFC
///      5760) and length words that chain to the end of the packet, leaving at most 7 zero bytes of DES
///      padding (RFC 3550 §6.4.1).
///    A wrong key passes this about one time in eighteen for RTP (measured: `RTPMETests`), far less for
///    RTCP.
/// 2. **The stream is consistent**: the context remembers the SSRC (and, for RTP, the sequence number)
///    of the packets it accepted. The first plausible packet is accepted *tentatively*; a second one with
///    the same SSRC under the same reading (RTP: the sequence number within `sequenceWindow` of the
///    first, and not the same: a duplicate, or the packet offered again, confirms nothing) **confirms**
///    the stream, and from then on only packets with that SSRC are accepted. Each reading keeps its own
///    tentative identity until then, so a chance packet under one does not displace the other's. A wrong
///    key confirms only if two of its random decryptions agree on 32 bits of SSRC: about 2^-32 per pair.
///    A new SSRC on a confirmed context (a sender that changed it) is adopted once two consecutive
///    plausible packets agree on it (the first of them is refused).
struct RTPMEAcceptance {
    /// How far apart (mod 2^16) the sequence numbers of the two packets that confirm an RTP stream may be.
    static let sequenceWindow: UInt16 = 1000

    /// A stream identity seen under one key reading.
    struct Identity: Equatable {
        var reading: RTPMEKey.Reading
        var ssrc: UInt32
        var sequence: UInt16
        /// Packets accepted with this identity; ≥ 2 means confirmed.
        var count: Int

        var confirmed: Bool { count >= 2 }

        /// Whether a packet with `ssrc`/`sequence` under `reading` belongs to this identity.
        func matches(_ reading: RTPMEKey.Reading, _ ssrc: UInt32, _ sequence: UInt16, kind: RTPMEContext.PacketKind)
            -> Bool
        {
            guard reading == self.reading, ssrc == self.ssrc else { return false }
            // Once confirmed the SSRC is enough (a long loss may move the sequence anywhere); before, the
            // sequence numbers must be close, as two packets of one RTP stream are.
            if confirmed || kind == .rtcp { return true }
            // The same sequence number is the same packet (offered again after the decrypt engine held it)
            // or a duplicate: it confirms nothing, or a chance plausible packet would confirm itself.
            guard sequence != self.sequence else { return false }
            let ahead = sequence &- self.sequence
            let behind = self.sequence &- sequence
            return min(ahead, behind) <= RTPMEAcceptance.sequenceWindow
        }
    }

    enum Decision: Equatable {
        case tentative
        case confirmed
        case refused
    }

    /// The confirmed identity, or before confirmation the latest tentative one.
    private(set) var current: Identity?
    /// Before confirmation, the tentative identity of each reading: a chance plausible packet under one
    /// reading does not displace the stream seen under the other.
    private var tentatives: [Identity] = []
    private var challenger: Identity?

    /// Decides on a plausible packet with `ssrc`/`sequence` (RTCP: sequence 0) decrypted under `reading`,
    /// and records it.
    mutating func decide(
        reading: RTPMEKey.Reading, ssrc: UInt32, sequence: UInt16, kind: RTPMEContext.PacketKind
    ) -> Decision {
        let fresh = Identity(reading: reading, ssrc: ssrc, sequence: sequence, count: 1)
        guard var id = current, id.confirmed else {
            // An unconfirmed identity rested on one packet, which may have been a wrong key's chance
            // plausibility: a packet that continues it confirms it, another replaces it (for its reading).
            if let i = tentatives.firstIndex(where: { $0.reading == reading }) {
                if tentatives[i].matches(reading, ssrc, sequence, kind: kind) {
                    var confirmed = tentatives[i]
                    confirmed.count += 1
                    confirmed.sequence = sequence
                    current = confirmed
                    tentatives.removeAll()
                    return .confirmed
                }
                tentatives[i] = fresh
            } else {
                tentatives.append(fresh)
            }
            current = fresh
            return .tentative
        }
        if id.matches(reading, ssrc, sequence, kind: kind) {
            id.count += 1
            id.sequence = sequence
            current = id
            challenger = nil
            return .confirmed
        }
        // A confirmed stream fixes the reading (it belongs to the key, not to an SSRC): the other reading's
        // chance plausibility neither passes nor disturbs a challenger.
        guard reading == id.reading else { return .refused }
        if var c = challenger, c.matches(reading, ssrc, sequence, kind: kind) {
            c.count += 1
            c.sequence = sequence
            current = c
            challenger = nil
            return .confirmed
        }
        challenger = fresh
        return .refused
    }

    // MARK: One packet (stage 1)

    /// Payload types RFC 3551 §6 (Tables 4 and 5) assigns to audio or video encodings, plus 13 (CN, RFC
    /// 3389) and 96–127 (dynamic). Unassigned and reserved static values are not expected from a sender.
    static let payloadTypes: Set<UInt8> = Set(
        [
            0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 25, 26, 28, 31, 32, 33, 34,
        ] + Array(96...127))

    /// A bitmap of `payloadTypes`, read per packet without hashing.
    static let payloadTypeBits: (UInt64, UInt64) = {
        var low: UInt64 = 0
        var high: UInt64 = 0
        for pt in payloadTypes { if pt < 64 { low |= 1 << UInt64(pt) } else { high |= 1 << UInt64(pt - 64) } }
        return (low, high)
    }()

    static func allowedPayloadType(_ pt: UInt8) -> Bool {
        let bits = payloadTypeBits
        return pt < 64 ? bits.0 >> UInt64(pt) & 1 == 1 : bits.1 >> UInt64(pt - 64) & 1 == 1
    }

    /// The first 8 bytes (one DES block) could start a packet of `kind`: the cheap test run before the
    /// whole packet is decrypted.
    static func plausibleStart(_ b: UnsafeRawBufferPointer, kind: RTPMEContext.PacketKind) -> Bool {
        guard b.count >= 8, b[0] >> 6 == 2 else { return false }
        switch kind {
        case .rtp: return allowedPayloadType(b[1] & 0x7F)
        case .rtcp: return (200...207).contains(b[1])
        }
    }

    /// The unpadded length and whether `p[0..<padded]` is a plausible plaintext of `kind` (stage 1).
    /// `lastRTPLength` is the previous accepted RTP packet's unpadded length (see `unpaddedLength`).
    static func plausible(
        _ p: UnsafeRawBufferPointer, padded n: Int, kind: RTPMEContext.PacketKind, lastRTPLength: Int?
    ) -> Int? {
        guard n >= 8, n <= p.count, p[0] >> 6 == 2 else { return nil }
        switch kind {
        case .rtcp:
            // The length words must chain from the first packet to the end, within the DES padding.
            var at = 0
            while at + 4 <= n, p[at] >> 6 == 2, (200...207).contains(p[at + 1]) {
                let next = at + ((Int(p[at + 2]) << 8 | Int(p[at + 3])) + 1) * 4
                if next > n { break }
                at = next
            }
            guard at > 0, n - at < 8 else { return nil }
            for i in at..<n where p[i] != 0 { return nil }
            return at
        case .rtp:
            guard n >= 12, allowedPayloadType(p[1] & 0x7F) else { return nil }
            var header = 12 + Int(p[0] & 0x0F) * 4
            if p[0] & 0x10 != 0 {
                guard header + 4 <= n else { return nil }
                header += 4 + (Int(p[header + 2]) << 8 | Int(p[header + 3])) * 4
            }
            guard header <= n else { return nil }
            let length = unpaddedLength(p, padded: n, header: header, lastRTPLength: lastRTPLength)
            if p[0] & 0x20 != 0 {
                // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
                let count = Int(p[length - 1])
                guard count >= 1, count <= length - header else { return nil }
            }
            return length
        }
    }

    /// MS-RTPME pads with zeros to 8 bytes without setting the P bit, so the padding is not marked.
    /// Trailing zeros (at most 7, never into the header) are taken for padding, except that a stream's
    /// packets usually keep one size (a codec frame per packet): the last packet's length is kept when it
    /// fits, since a payload may end in zero bytes.
    static func unpaddedLength(_ p: UnsafeRawBufferPointer, padded n: Int, header: Int, lastRTPLength: Int?) -> Int {
        var end = n
        while end > n - 7, end > header, p[end - 1] == 0 { end -= 1 }
        if let last = lastRTPLength, last > end, last <= n, last > n - 8 { return last }
        return end
    }
}
