import Analysis
import Capture
import Datagrams

/// RTP and RTCP over TCP (RFC 4571) followed across segments for `DissectPipeline`: segments that hold
/// several packets, part of one, or a length field cut in two. Each packet is shown at the frame that
/// brings its last byte, with the stream offset of its length field and the frame of its first byte.
///
/// A direction is taken up by the rule `decrypt` follows (`RFC4571Framer.establishes`: a segment made of
/// whole media packets, or the stream's first segment after a SYN that was seen), and its bytes then go,
/// in sequence order, through an `RFC4571Framer`. Unlike `TCPMediaFollower`, nothing is written back, so
/// nothing is held and nothing waits: a retransmission shows no packet (its packets were shown at their
/// first transmission), and a hole, segments out of order or a segment cut by the snap length drop the
/// direction with a diagnostic; the direction is taken up again at the next segment made of whole
/// packets, since a dissection, unlike a rewritten capture, loses nothing by starting over.
///
/// Memory: one `RFC4571Framer` per direction (at most one packet, 2 + 65,535 bytes, being assembled),
/// at most `TCPMediaLimits.maxDirections` directions, and the bytes being assembled across all of them
/// bounded by `maxBytesTotal` (`--limit tcp-media-bytes`).
final class TCPMediaDissectFollower {
    /// One media packet completed by a segment.
    struct Packet {
        var flow: TCPFlowKey
        /// Stream offset of its length field: 0 is the byte after the SYN, or, when the SYN was not seen,
        /// the first byte of the segment that set framing up.
        var offset: Int64
        /// The frame holding its first byte (its length field).
        var fromFrame: Int
        var kind: MediaPacketKind
        /// The length field and the body, as `DecryptEngine.process(_:packet:mayHold:)` takes them.
        var bytes: [UInt8]
    }

    private struct Direction {
        /// The sequence number of stream offset 0.
        var base: UInt32
        var heuristics: Bool
        /// The framer while the direction is framed; nil once framing was lost (a hole, a segment cut by
        /// the snap length, the assembly limit) or the connection ended (FIN, RST).
        var framer: RFC4571Framer?
        /// Every packet before this offset was shown (the start of the packet being assembled, or where
        /// framing reached; frozen when framing is lost), so a segment ending at or before it shows
        /// nothing again, and framing is taken up again only at or after it.
        var shownUntil: Int64
        /// The highest stream offset seen: the reference for sequence numbers, which wrap every 4 GiB.
        var seen: Int64
        /// The bytes skipped where framing was taken up again past a hole: a segment of whole packets
        /// that arrives later and fills them from their start is still shown (segments out of order, a
        /// fast retransmission).
        var gap: Range<Int64>?
        /// The frame holding the first byte of the packet being assembled.
        var openedIn = 0
        /// FIN or RST seen: the framer is released, later data is a retransmission.
        var ended = false

        init(base: UInt32, at offset: Int64, heuristics: Bool) {
            self.base = base
            self.heuristics = heuristics
            framer = RFC4571Framer(offset: offset)
            shownUntil = offset
            seen = offset
        }

        /// The stream offset of `seq`, nearest the highest seen (past 4 GiB, sequence numbers wrap).
        func offset(_ seq: UInt32) -> Int64 { TCPSequence.offset(of: seq, base: base, near: seen) }
    }

    private let limits: TCPMediaLimits
    /// Every direction framing was set up on, framed or not any more (bounded by `maxDirections`; an
    /// ended one is forgotten when room is needed).
    private var directions: [TCPFlowKey: Direction] = [:]
    /// Ended directions, oldest first, to forget when the table is full (keys may be stale).
    private var ended: [TCPFlowKey] = []
    private var endedHead = 0
    /// Where framing begins (SYNs seen, the direction limit).
    private var takeUp: RFC4571TakeUp
    /// Bytes of packets being assembled, across all directions.
    private var assembling = 0
    private var diagnostics: [Diagnostic] = []

    init(limits: TCPMediaLimits) {
        self.limits = limits
        takeUp = RFC4571TakeUp(maxDirections: limits.maxDirections, stage: "dissect", fallback: "shown")
    }

    /// Hands over the diagnostics found since the last call (each names its frame).
    func takeDiagnostics() -> [Diagnostic] {
        defer { diagnostics.removeAll(keepingCapacity: true) }
        return diagnostics
    }

    /// The media packets `frame` completes, in stream order, when its payload belongs to a followed
    /// direction or sets one up (possibly none: a segment ending inside a packet, a retransmission); nil
    /// when the frame is not followed, and the decrypt engine then looks at it alone (one packet per
    /// segment, `MediaPacketLocator`). Frames must come in capture order, each once.
    func packets(in frame: Frame, _ decoded: DecodedFrame) -> [Packet]? {
        guard let segment = TCPMediaSegment(frame, decoded) else { return nil }
        let flow = segment.flow
        if var d = directions[flow] {
            if !segment.isSYN {
                let out = follow(&d, segment, frame)
                if segment.tcp.flags.contains(.fin) || segment.tcp.flags.contains(.rst) { end(flow, &d) }
                directions[flow] = d
                return out
            }
            // A new connection on the same addresses: its first byte starts a frame again.
            if let framer = d.framer, framer.isInsideFrame {
                lose(flow, &d, frame: frame.number, "a new SYN reuses the connection's addresses")
            }
            assembling -= d.framer?.bufferedBytes ?? 0
            directions[flow] = nil
        }
        if directions.count >= limits.maxDirections { forgetOneEnded() }
        guard takeUp.admits(segment, followed: directions.count, frame: frame.number, diagnostics: &diagnostics)
        else { return nil }
        var d = Direction(base: segment.seq, at: 0, heuristics: segment.heuristics)
        var out: [Packet] = []
        consume(&d, flow, segment.bytes, frame, into: &out)
        keepWithinLimit(flow, &d, frame: frame.number)
        if segment.tcp.flags.contains(.fin) || segment.tcp.flags.contains(.rst) { end(flow, &d) }
        directions[flow] = d
        return out
    }

    /// A segment of a direction already set up: framed, shown from a gap it fills, taken as the place
    /// framing begins again, or claimed with nothing to show (a retransmission).
    private func follow(_ d: inout Direction, _ segment: TCPMediaSegment, _ frame: Frame) -> [Packet]? {
        let flow = segment.flow
        let bytes = segment.bytes
        guard !bytes.isEmpty else { return nil }
        let start = d.offset(segment.seq)
        let end = start + Int64(bytes.count)
        d.seen = max(d.seen, end)
        if d.ended { return [] }
        if let gap = d.gap, start == gap.lowerBound, end <= gap.upperBound, !segment.tcp.truncated,
            RFC4571Framer.tiles(bytes, heuristics: d.heuristics)
        {
            // Late bytes that framing skipped, from the start of what it skipped: whole packets.
            d.gap = end < gap.upperBound ? end..<gap.upperBound : nil
            var framer = RFC4571Framer(offset: start)
            var out: [Packet] = []
            collect(&framer, d.heuristics, flow, bytes, frame, carried: frame.number, into: &out)
            return out
        }
        if var framer = d.framer {
            if end <= framer.offset { return [] }
            if segment.tcp.truncated {
                lose(flow, &d, frame: frame.number, "the segment is cut short by the capture's snap length")
                return []
            }
            if start <= framer.offset {
                var out: [Packet] = []
                d.framer = nil
                // New bytes only (a retransmission may bring more than was seen).
                consume(&d, &framer, flow, bytes.dropFirst(Int(framer.offset - start)), frame, into: &out)
                d.framer = framer
                d.shownUntil = framer.shownUntil
                keepWithinLimit(flow, &d, frame: frame.number)
                return out
            }
            lose(
                flow, &d, frame: frame.number,
                "\(start - framer.offset) bytes missing before this segment (a hole or segments out of order, at stream offset \(framer.offset))"
            )
        }
        // Not framed: a segment of whole packets past everything shown takes framing up again there.
        guard start >= d.shownUntil, !segment.tcp.truncated, RFC4571Framer.tiles(bytes, heuristics: d.heuristics)
        else { return end <= d.shownUntil ? [] : nil }
        d.gap = d.shownUntil < start ? d.shownUntil..<start : nil
        d.framer = RFC4571Framer(offset: start)
        var out: [Packet] = []
        consume(&d, flow, bytes, frame, into: &out)
        keepWithinLimit(flow, &d, frame: frame.number)
        return out
    }

    /// Drops the framing of a direction that has just buffered bytes while those of all directions are
    /// past `maxBytesTotal` (`--limit tcp-media-bytes`).
    private func keepWithinLimit(_ flow: TCPFlowKey, _ d: inout Direction, frame: Int) {
        guard assembling > limits.maxBytesTotal, let framer = d.framer, framer.bufferedBytes > 0 else { return }
        lose(
            flow, &d, frame: frame,
            "\(assembling) bytes of RTP over TCP being assembled in all (limit tcp-media-bytes, \(limits.maxBytesTotal))")
    }

    /// FIN or RST: the direction's framer is released (a packet cut by the end is not shown), and the
    /// direction is remembered as ended, so that retransmissions show nothing again.
    private func end(_ flow: TCPFlowKey, _ d: inout Direction) {
        assembling -= d.framer?.bufferedBytes ?? 0
        d.framer = nil
        guard !d.ended else { return }
        d.ended = true
        ended.append(flow)
        // Keys go stale when a SYN reuses an ended direction's addresses; past twice the live entries,
        // keep only the live ones (this one is stored by the caller after), the latest of each, in
        // order: the queue stays bounded whatever the number of connections, at amortised O(1).
        if ended.count - endedHead > 2 * directions.count + 1024 {
            var kept = Set<TCPFlowKey>()
            let latestFirst = ended[endedHead...].reversed().filter {
                ($0 == flow || directions[$0]?.ended == true) && kept.insert($0).inserted
            }
            ended = Array(latestFirst.reversed())
            endedHead = 0
        }
    }

    /// Forgets the oldest ended direction, making room for a new one.
    private func forgetOneEnded() {
        while endedHead < ended.count {
            let flow = ended[endedHead]
            endedHead += 1
            if directions[flow]?.ended == true {
                directions[flow] = nil
                break
            }
        }
        if endedHead > 1024, endedHead * 2 > ended.count {
            ended.removeFirst(endedHead)
            endedHead = 0
        }
    }

    /// Frames the direction's next bytes with its framer; each packet completed whose body is RTP or RTCP
    /// goes to `out` (STUN or DTLS sharing an ICE-TCP connection, RFC 6544, is framed past, not shown).
    private func consume(
        _ d: inout Direction, _ flow: TCPFlowKey, _ bytes: ArraySlice<UInt8>, _ frame: Frame, into out: inout [Packet]
    ) {
        guard var framer = d.framer else { return }
        d.framer = nil  // one owner of the framer's buffer while it grows
        consume(&d, &framer, flow, bytes, frame, into: &out)
        d.framer = framer
        d.shownUntil = framer.shownUntil
    }

    private func consume(
        _ d: inout Direction, _ framer: inout RFC4571Framer, _ flow: TCPFlowKey, _ bytes: ArraySlice<UInt8>,
        _ frame: Frame, into out: inout [Packet]
    ) {
        let segmentStart = framer.offset
        let before = framer.bufferedBytes
        collect(
            &framer, d.heuristics, flow, bytes, frame, carried: framer.isInsideFrame ? d.openedIn : frame.number,
            into: &out)
        if framer.isInsideFrame, framer.frameStart >= segmentStart { d.openedIn = frame.number }
        assembling += framer.bufferedBytes - before
    }

    /// Runs `bytes` through `framer`, adding each RTP or RTCP packet completed to `out`; a packet that began
    /// before these bytes came from frame `carried`.
    private func collect(
        _ framer: inout RFC4571Framer, _ heuristics: Bool, _ flow: TCPFlowKey, _ bytes: ArraySlice<UInt8>,
        _ frame: Frame, carried: Int, into out: inout [Packet]
    ) {
        let segmentStart = framer.offset
        framer.consume(bytes) { start, body in
            guard let kind = RFC4571Framer.kind(of: body, heuristics: heuristics) else { return }
            var packet: [UInt8] = []
            packet.reserveCapacity(2 + body.count)
            packet.append(UInt8(truncatingIfNeeded: body.count >> 8))
            packet.append(UInt8(truncatingIfNeeded: body.count))
            packet.append(contentsOf: body)
            out.append(
                Packet(
                    flow: flow, offset: start, fromFrame: start < segmentStart ? carried : frame.number, kind: kind,
                    bytes: packet))
        }
    }

    /// Ends the framing of a direction, saying why and what of it is not shown.
    private func lose(_ flow: TCPFlowKey, _ d: inout Direction, frame: Int, _ why: String) {
        guard let framer = d.framer else { return }
        assembling -= framer.bufferedBytes
        d.framer = nil
        let lost =
            framer.isInsideFrame
            ? "the packet at stream offset \(framer.frameStart) (from frame \(d.openedIn)) is not shown; " : ""
        diagnostics.append(
            Diagnostic(
                .warning, code: "dissect.tcp-media-framing", frame: frame, field: "tcp.seq",
                "\(flow): RFC 4571 framing lost: \(why); \(lost)framing is taken up again at the next segment made of whole packets"
            ))
    }
}

extension RFC4571Framer {
    /// Where the packets completed so far end: the start of the packet being assembled, or the next byte.
    fileprivate var shownUntil: Int64 { isInsideFrame ? frameStart : offset }
}
