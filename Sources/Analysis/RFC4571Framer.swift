import Datagrams

/// Follows RFC 4571 framing over the in-order bytes of one TCP direction: each RTP or RTCP packet behind a
/// 16-bit length (RFC 4571 §2), with no regard for where TCP put the segment boundaries. The caller hands
/// over the direction's bytes in sequence order (`consume`), and gets each frame once its last byte has
/// come, with the stream offset of its length field; a frame cut by segment boundaries (its body, or its
/// length field itself) is assembled here, in one buffer of at most 2 + 65,535 bytes that is reused.
///
/// The framer knows nothing of TCP sequence numbers, retransmissions or holes: the caller only hands it
/// bytes that follow the last ones (`TCPMediaFollower` in SRTPDump), and drops it on a hole, since after
/// one the next length field cannot be found without guessing.
public struct RFC4571Framer: Sendable {
    /// The largest frame: the length field and the largest packet it can announce.
    public static let maxFrameLength = 2 + 0xFFFF
    /// The smallest body taken as media when framing is established: an RTCP header (RFC 3550 §6.4).
    public static let minMediaLength = 8

    /// Stream offset of the next byte `consume` expects.
    public private(set) var offset: Int64
    /// Stream offset of the length field of the frame being assembled (equal to `offset` between frames).
    public private(set) var frameStart: Int64
    /// The frame being assembled: its length field (once both bytes came), then its body so far.
    private var partial: [UInt8] = []

    public init(offset: Int64) {
        self.offset = offset
        frameStart = offset
    }

    /// Bytes held for the frame being assembled.
    public var bufferedBytes: Int { partial.count }
    /// Whether a frame has begun and not ended (some of its bytes came).
    public var isInsideFrame: Bool { !partial.isEmpty }

    /// Consumes the next `bytes` of the direction; calls `frame(start, body)` for each frame completed, in
    /// order, with the stream offset of its length field and its body (a slice of `bytes` when the frame
    /// lies whole in them, else of the framer's own buffer; valid only during the call).
    public mutating func consume(_ bytes: ArraySlice<UInt8>, _ frame: (Int64, ArraySlice<UInt8>) -> Void) {
        let base = offset - Int64(bytes.startIndex)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            if partial.isEmpty {
                frameStart = base + Int64(i)
                // The common case: the whole frame is here, nothing to copy.
                if bytes.endIndex - i >= 2 {
                    let length = Int(bytes[i]) << 8 | Int(bytes[i + 1])
                    if bytes.endIndex - i - 2 >= length {
                        frame(frameStart, bytes[(i + 2)..<(i + 2 + length)])
                        i += 2 + length
                        continue
                    }
                }
            }
            if partial.count < 2 {
                // The length field itself may be cut between segments.
                partial.append(bytes[i])
                i += 1
                if partial.count < 2 { continue }
            }
            let total = 2 + (Int(partial[0]) << 8 | Int(partial[1]))
            let take = min(total - partial.count, bytes.endIndex - i)
            if take > 0 {
                partial.append(contentsOf: bytes[i..<(i + take)])
                i += take
            }
            if partial.count == total {
                frame(frameStart, partial[2...])
                partial.removeAll(keepingCapacity: true)
            }
        }
        offset = base + Int64(bytes.endIndex)
        if partial.isEmpty { frameStart = offset }
    }

    /// Forgets the frame being assembled (the direction is given up) and frees its buffer.
    public mutating func drop() {
        partial = []
        frameStart = offset
    }

    /// Whether a segment of a direction not yet followed sets RFC 4571 framing up on it: a whole number of
    /// media frames (`tiles`), or, when it carries the stream's first byte (the SYN was seen, so a frame
    /// starts there), a frame that begins with an RTP or RTCP header (`startsWithMedia`). The one rule of
    /// both `decrypt` and `dissect`.
    public static func establishes(_ payload: ArraySlice<UInt8>, atStreamStart: Bool, heuristics: Bool) -> Bool {
        tiles(payload, heuristics: heuristics) || (atStreamStart && startsWithMedia(payload, heuristics: heuristics))
    }

    /// Whether `payload` is a whole number (one or more) of RFC 4571 frames, each body long enough and
    /// classified RTP or RTCP (RFC 5761 §4; the RTP heuristic only with `heuristics`): the segment that
    /// establishes framing on a direction. Length fields that tile the segment to the byte and bodies that
    /// each look like media are independent checks that chance rarely passes together.
    public static func tiles(_ payload: ArraySlice<UInt8>, heuristics: Bool) -> Bool {
        var i = payload.startIndex
        var frames = 0
        while i < payload.endIndex {
            guard payload.endIndex - i >= 2 + minMediaLength else { return false }
            let length = Int(payload[i]) << 8 | Int(payload[i + 1])
            guard length >= minMediaLength, payload.endIndex - i - 2 >= length else { return false }
            switch PayloadClassifier.classify(payload[(i + 2)..<(i + 2 + length)], heuristics: heuristics).kind {
            case .rtp, .rtcp: break
            default: return false
            }
            i += 2 + length
            frames += 1
        }
        return frames > 0
    }

    /// Whether `payload` begins with an RFC 4571 frame whose body, as far as `payload` holds it, looks
    /// like RTP or RTCP: how a stream's first segment, known to start with a frame because the SYN was
    /// seen, is taken when it ends inside that frame. With an RTP header's 12 bytes, the classifier
    /// decides (RFC 5761 §4); a shorter segment (a sender that writes the length field on its own) needs a
    /// length of at least a header and, as far as it goes, version 2 and an RTCP type or a plausible RTP
    /// payload type.
    public static func startsWithMedia(_ payload: ArraySlice<UInt8>, heuristics: Bool) -> Bool {
        guard payload.count >= 2 else { return false }
        let i = payload.startIndex
        let length = Int(payload[i]) << 8 | Int(payload[i + 1])
        guard length >= 12 else { return false }
        let body = payload[(i + 2)..<min(payload.endIndex, i + 2 + length)]
        if body.count >= 12 {
            switch PayloadClassifier.classify(body, heuristics: heuristics).kind {
            case .rtp, .rtcp: return true
            default: return false
            }
        }
        if let b0 = body.first, b0 & 0xC0 != 0x80 { return false }
        if body.count >= 2 {
            let b1 = body[body.startIndex + 1]
            let rtcp = (200...207).contains(b1)
            guard rtcp || (heuristics && PayloadClassifier.isPlausibleRTPPayloadType(b1 & 0x7F)) else { return false }
        }
        return true
    }

    /// RTP or RTCP by the body's header (RFC 5761 §4), nil for anything else (STUN or DTLS sharing an
    /// ICE-TCP connection, RFC 6544 §3, or a body too short or unrecognised).
    public static func kind(of body: ArraySlice<UInt8>, heuristics: Bool) -> MediaPacketKind? {
        guard body.count >= minMediaLength else { return nil }
        switch PayloadClassifier.classify(body, heuristics: heuristics).kind {
        case .rtp: return .rtp
        case .rtcp: return .rtcp
        default: return nil
        }
    }
}
