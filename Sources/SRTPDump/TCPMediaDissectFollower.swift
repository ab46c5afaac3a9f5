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
        var framer = RFC4571Framer(offset: 0)
        var heuristics: Bool
        /// The frame holding the first byte of the packet being assembled.
        var openedIn = 0

        /// The stream offset of `seq`, nearest the next byte expected (past 4 GiB, sequence numbers wrap).
        func offset(_ seq: UInt32) -> Int64 { TCPSequence.offset(of: seq, base: base, near: framer.offset) }
    }

    private let limits: TCPMediaLimits
    private var directions: [TCPFlowKey: Direction] = [:]
    /// Where framing begins (SYNs seen, the direction limit).
    private var takeUp: RFC4571TakeUp
    /// Directions dropped after a hole: the sequence number of their stream offset 0 and the next byte
    /// they expected, so that offsets stay those of the connection when framing is taken up again
    /// (bounded by `maxDirections`).
    private var dropped: [TCPFlowKey: (base: UInt32, next: Int64)] = [:]
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
        let (flow, seq, bytes) = (segment.flow, segment.seq, segment.bytes)
        if var d = directions[flow] {
            if segment.isSYN {
                // A new connection on the same addresses: its first byte starts a frame again.
                drop(flow, d, frame: frame.number, keepBase: false, "a new SYN reuses the connection's addresses")
            } else if bytes.isEmpty {
                return nil
            } else {
                let start = d.offset(seq)
                let end = start + Int64(bytes.count)
                if end <= d.framer.offset { return [] }
                if segment.tcp.truncated {
                    drop(flow, d, frame: frame.number, "the segment is cut short by the capture's snap length")
                } else if start > d.framer.offset {
                    drop(
                        flow, d, frame: frame.number,
                        "\(start - d.framer.offset) bytes missing before this segment (a hole or segments out of order, at stream offset \(d.framer.offset))"
                    )
                } else {
                    var out: [Packet] = []
                    // New bytes only (a retransmission may bring more than was seen).
                    consume(&d, flow, bytes.dropFirst(Int(d.framer.offset - start)), frame, into: &out)
                    keep(flow, d, frame: frame.number)
                    return out
                }
            }
        }
        if segment.isSYN { dropped[flow] = nil }
        guard takeUp.admits(segment, followed: directions.count, frame: frame.number, diagnostics: &diagnostics)
        else { return nil }
        // After a drop, offsets stay those of the connection.
        let before = dropped.removeValue(forKey: flow)
        var d = Direction(base: before?.base ?? seq, heuristics: segment.heuristics)
        if let before { d.framer = RFC4571Framer(offset: TCPSequence.offset(of: seq, base: before.base, near: before.next)) }
        var out: [Packet] = []
        consume(&d, flow, bytes, frame, into: &out)
        keep(flow, d, frame: frame.number)
        return out
    }

    /// Stores the direction after its bytes were framed, or drops it when the bytes being assembled in
    /// all have passed `maxBytesTotal`.
    private func keep(_ flow: TCPFlowKey, _ d: Direction, frame: Int) {
        guard assembling > limits.maxBytesTotal else {
            directions[flow] = d
            return
        }
        drop(
            flow, d, frame: frame,
            "\(assembling) bytes of RTP over TCP being assembled in all (limit tcp-media-bytes, \(limits.maxBytesTotal))")
    }

    /// Frames the direction's next bytes; each packet completed whose body is RTP or RTCP goes to `out`
    /// (STUN or DTLS sharing an ICE-TCP connection, RFC 6544, is framed past and not shown as media).
    private func consume(
        _ d: inout Direction, _ flow: TCPFlowKey, _ bytes: ArraySlice<UInt8>, _ frame: Frame, into out: inout [Packet]
    ) {
        let segmentStart = d.framer.offset
        let carried = d.framer.isInsideFrame ? d.openedIn : frame.number
        let before = d.framer.bufferedBytes
        let heuristics = d.heuristics
        d.framer.consume(bytes) { start, body in
            guard let kind = RFC4571Framer.kind(of: body, heuristics: heuristics) else { return }
            var packet: [UInt8] = []
            packet.reserveCapacity(2 + body.count)
            packet.append(UInt8(truncatingIfNeeded: body.count >> 8))
            packet.append(UInt8(truncatingIfNeeded: body.count))
            packet.append(contentsOf: body)
            out.append(
                Packet(flow: flow, offset: start, fromFrame: start < segmentStart ? carried : frame.number, kind: kind, bytes: packet))
        }
        if d.framer.isInsideFrame, d.framer.frameStart >= segmentStart { d.openedIn = frame.number }
        assembling += d.framer.bufferedBytes - before
    }

    /// Stops following a direction, saying why and what of it is not shown.
    private func drop(_ flow: TCPFlowKey, _ d: Direction, frame: Int, keepBase: Bool = true, _ why: String) {
        directions[flow] = nil
        if keepBase, dropped.count < limits.maxDirections { dropped[flow] = (d.base, d.framer.offset) }
        assembling -= d.framer.bufferedBytes
        let lost =
            d.framer.isInsideFrame
            ? "the packet at stream offset \(d.framer.frameStart) (from frame \(d.openedIn)) is not shown; " : ""
        diagnostics.append(
            Diagnostic(
                .warning, code: "dissect.tcp-media-framing", frame: frame, field: "tcp.seq",
                "\(flow): RFC 4571 framing lost: \(why); \(lost)framing is taken up again at the next segment made of whole packets"
            ))
    }
}
