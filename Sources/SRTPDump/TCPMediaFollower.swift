import Analysis
import Capture
import Datagrams
import Output

/// Bounds on what `TCPMediaFollower` buffers (Docs/robustness.md, "Limits"): packets cut by segment
/// boundaries, complete packets whose frames wait in the look-behind buffer, and the plaintexts of
/// decrypted packets until the segments holding them are written.
public struct TCPMediaLimits: Hashable, Sendable {
    /// Bytes buffered per TCP direction; past it the direction's media is left unchanged from there.
    public var maxBytesPerDirection = 16 << 20
    /// Bytes buffered across all directions; past it the direction that crossed it is left unchanged.
    public var maxBytesTotal = 64 << 20
    /// Directions followed at once (fixed); later ones keep the one-frame-per-segment rule.
    public var maxDirections = 65_536
    /// Stream bytes behind the last written segment whose plaintexts are kept, so that a retransmission
    /// is written as its first transmission was (fixed).
    public var historyBytes = 64 << 10

    public init() {}
}

/// RTP and RTCP over TCP (RFC 4571) followed across segments, for `DecryptPipeline`: segments that hold
/// several packets, part of one, or a length field cut in two.
///
/// A direction is followed once a segment of it is a whole number of RFC 4571 frames whose bodies are
/// RTP or RTCP headers (`RFC4571Framer.tiles`: one exact frame, as `MediaPacketLocator.tcpFramed` takes,
/// or several); from then on its bytes go, in sequence order, through an `RFC4571Framer`, and every
/// packet it completes whose body is RTP or RTCP goes to the decrypt engine like any media packet (the
/// engine's stream rules decide what is media and which key binds; STUN or DTLS sharing an ICE-TCP
/// connection, RFC 6544, pass unchanged).
///
/// Output: each segment is written with its payload replaced by the transformed bytes of the same range
/// of the stream: an authenticated packet's length field set to its plaintext length, its body by the
/// plaintext, its trailer (tag, MKI, SRTCP index; RFC 3711 §3.1, §3.4) removed from whichever segment
/// held it; every removal is noted in the `TCPMediaRewriter`, which renumbers the connection. A segment
/// cannot be written before every packet with bytes in it is decided, so the pipeline holds it (and
/// every frame after it, `HeldFrames`) until the segment bringing the last byte has been read; when the
/// look-behind buffer must let it go first, that packet is written unchanged.
///
/// Sequence numbers are followed per direction: a retransmission (bytes already seen) is not framed
/// again but written as its first transmission was (from the plaintexts of the last `historyBytes`);
/// a segment beyond the next expected byte (a hole, or segments out of order) ends the framing of the
/// direction with a diagnostic naming the frame, since the next length field cannot be found without
/// guessing: the direction's later media is written unchanged (renumbered only).
final class TCPMediaFollower {
    /// What a claimed frame is: a segment whose payload is transformed, or a frame of a direction given
    /// up (written unchanged, renumbered).
    struct Plan {
        var frame: Int
        var flow: TCPFlowKey
        var segment: Bool
        /// The segment's bytes in the direction's stream offsets.
        var start: Int64 = 0
        var end: Int64 = 0
        /// The packets completed in this frame: the status of the last one, or a failure if any.
        var status: DecryptEngine.Status = .notMedia
        var ssrc: UInt32?
    }

    /// A complete media packet not yet given to the engine.
    struct Pending {
        /// Stream offset of its length field.
        var start: Int64
        /// The length field and the body.
        var bytes: [UInt8]
        var kind: MediaPacketKind
        /// The frame that brought its last byte (numbers and times it for the engine).
        var frame: Int
        var timestamp: Timestamp
    }

    /// A decrypted packet: what replaces its bytes in the output.
    struct Edit {
        var start: Int64
        var bodyLength: Int
        var plaintext: [UInt8]
        var end: Int64 { start + 2 + Int64(bodyLength) }
    }

    struct Direction {
        /// The sequence number of stream offset 0 (the first byte of the segment that set framing up).
        var base: UInt32
        var framer = RFC4571Framer(offset: 0)
        var heuristics: Bool
        var givenUp = false
        var pending: [Pending] = []
        var pendingHead = 0
        var edits: [Edit] = []
        var editsHead = 0
        /// The stream range holding the edits forgotten (empty: none), which a retransmission cannot
        /// be written as first sent.
        var forgottenFrom = Int64.max
        var forgottenBefore = Int64.min

        func overlapsForgotten(_ start: Int64, _ end: Int64) -> Bool { start < forgottenBefore && end > forgottenFrom }
        var writtenEnd: Int64 = 0
        /// The frame being assembled when its first segment had to be written: not decrypted.
        var forcedFrameStart: Int64?
        /// Bytes held in `pending` and `edits` (the framer's are counted apart).
        var held = 0

        init(base: UInt32, heuristics: Bool) {
            self.base = base
            self.heuristics = heuristics
        }

        /// The highest stream offset seen, framed or not (framing stops at a hole; the stream goes on).
        var seen: Int64 = 0

        /// The stream offset of `seq`, nearest the highest seen (past 4 GiB, sequence numbers wrap).
        func offset(_ seq: UInt32) -> Int64 {
            TCPSequence.offset(of: seq, base: base, near: max(framer.offset, seen))
        }
        var buffered: Int { held + framer.bufferedBytes }
    }

    let limits: TCPMediaLimits
    let rewriter: TCPMediaRewriter
    private var directions: [TCPFlowKey: Direction] = [:]
    private var plans: [Plan] = []
    private var plansHead = 0
    private var total = 0
    private var spare: [[UInt8]] = []
    /// The packets one segment completes (reused).
    private var completedBuffer: [Pending] = []
    private var scratch = Frame()
    private var payload: [UInt8] = []
    private(set) var diagnostics: [Diagnostic] = []
    /// The last `decide` that returned nil waited for a segment not read yet (not for a key): reading more
    /// of the connection may let it go on.
    private(set) var waitsForBytes = false
    /// Where framing begins (SYNs seen, the direction limit).
    private var takeUp: RFC4571TakeUp

    init(limits: TCPMediaLimits, rewriter: TCPMediaRewriter) {
        self.limits = limits
        self.rewriter = rewriter
        takeUp = RFC4571TakeUp(maxDirections: limits.maxDirections, stage: "decrypt", fallback: "decrypted")
    }

    /// Bytes buffered across all directions.
    var bufferedBytes: Int { total }

    /// Hands over the diagnostics found since the last call.
    func takeDiagnostics() -> [Diagnostic] {
        defer { diagnostics.removeAll(keepingCapacity: true) }
        return diagnostics
    }

    /// Whether the oldest undecided claimed frame is `frame` (every claimed frame must be decided through
    /// `decide` and written through `write` or `skip`, in capture order).
    func claims(_ frame: Int) -> Bool { plansHead < plans.count && plans[plansHead].frame == frame }

    /// Reads a frame once, in capture order, when it is first seen: frames whose payload belongs to a
    /// followed direction (or sets one up) are claimed and their new bytes framed. True when claimed.
    func ingest(_ frame: Frame, _ decoded: DecodedFrame) -> Bool {
        guard let segment = TCPMediaSegment(frame, decoded) else { return false }
        let (flow, tcp, seq, bytes) = (segment.flow, segment.tcp, segment.seq, segment.bytes)
        guard var d = directions.removeValue(forKey: flow) else {
            guard takeUp.admits(segment, followed: directions.count, frame: frame.number, diagnostics: &diagnostics)
            else { return false }
            var d = Direction(base: seq, heuristics: segment.heuristics)
            plans.append(Plan(frame: frame.number, flow: flow, segment: true, start: 0, end: Int64(bytes.count)))
            consume(&d, flow, bytes, frame)
            directions[flow] = d
            return true
        }
        defer { directions[flow] = d }
        if !d.givenUp && tcp.flags.contains(.syn) {
            giveUp(&d, flow, frame: frame.number, dropPending: false, "a new SYN reuses the connection's addresses")
        }
        guard !bytes.isEmpty else { return false }
        let start = d.offset(seq)
        let end = start + Int64(bytes.count)
        d.seen = max(d.seen, end)
        if d.givenUp {
            // A retransmission of bytes framed before the direction was given up is written as its first
            // transmission was; anything later, unchanged.
            let old = end <= d.framer.offset && !d.overlapsForgotten(start, end) && !tcp.truncated
            plans.append(Plan(frame: frame.number, flow: flow, segment: old, start: start, end: end))
            return true
        }
        if tcp.truncated {
            giveUp(
                &d, flow, frame: frame.number, dropPending: false,
                "the segment is cut short by the capture's snap length")
        } else if start > d.framer.offset {
            giveUp(
                &d, flow, frame: frame.number, dropPending: false,
                "\(start - d.framer.offset) bytes missing before this segment (a hole or segments out of order, at stream offset \(d.framer.offset))"
            )
        }
        if d.givenUp {
            plans.append(Plan(frame: frame.number, flow: flow, segment: false))
            return true
        }
        plans.append(Plan(frame: frame.number, flow: flow, segment: true, start: start, end: end))
        if end > d.framer.offset {
            // New bytes (after any already seen: a retransmission that brings more).
            consume(&d, flow, bytes.dropFirst(Int(d.framer.offset - start)), frame)
        }
        return true
    }

    /// Frames the direction's next bytes, keeping each completed media packet for the engine.
    private func consume(_ d: inout Direction, _ flow: TCPFlowKey, _ bytes: ArraySlice<UInt8>, _ frame: Frame) {
        let before = d.buffered
        var completed = completedBuffer
        completedBuffer = []
        let forced = d.forcedFrameStart
        let heuristics = d.heuristics
        var spare = self.spare
        self.spare = []
        d.framer.consume(bytes) { start, body in
            // The packet whose first segment was written before it was complete stays unchanged.
            if start == forced { return }
            guard let kind = RFC4571Framer.kind(of: body, heuristics: heuristics) else { return }
            var copy = spare.popLast() ?? []
            copy.removeAll(keepingCapacity: true)
            copy.append(UInt8(truncatingIfNeeded: body.count >> 8))
            copy.append(UInt8(truncatingIfNeeded: body.count))
            copy.append(contentsOf: body)
            completed.append(
                Pending(start: start, bytes: copy, kind: kind, frame: frame.number, timestamp: frame.timestamp))
        }
        self.spare = spare
        if let f = forced, d.framer.frameStart != f || !d.framer.isInsideFrame { d.forcedFrameStart = nil }
        for p in completed {
            d.held += p.bytes.count
            d.pending.append(p)
        }
        completed.removeAll(keepingCapacity: true)
        completedBuffer = completed
        total += d.buffered - before
        if d.buffered > limits.maxBytesPerDirection || total > limits.maxBytesTotal {
            let which =
                d.buffered > limits.maxBytesPerDirection
                ? "\(d.buffered) bytes buffered for this direction (limit tcp-media-bytes-per-direction, \(limits.maxBytesPerDirection))"
                : "\(total) bytes buffered for RTP over TCP in all (limit tcp-media-bytes, \(limits.maxBytesTotal))"
            giveUp(&d, flow, frame: frame.number, dropPending: true, which)
        }
    }

    /// Ends the framing of a direction: the packet being assembled (and, when `dropPending`, the complete
    /// packets not yet decided) will be written unchanged, and so will its later bytes.
    private func giveUp(_ d: inout Direction, _ flow: TCPFlowKey, frame: Int, dropPending: Bool, _ why: String) {
        let before = d.buffered
        var dropped = 0
        if dropPending {
            dropped = d.pending.count - d.pendingHead
            for i in d.pendingHead..<d.pending.count { d.held -= d.pending[i].bytes.count }
            d.pending.removeAll()
            d.pendingHead = 0
        }
        let cut = d.framer.isInsideFrame
        d.framer.drop()
        d.givenUp = true
        total += d.buffered - before
        let lost = [
            cut ? "the packet being assembled" : nil, dropped > 0 ? "\(dropped) complete packets not yet decided" : nil,
        ].compactMap { $0 }
        diagnostics.append(
            Diagnostic(
                .warning, code: "decrypt.tcp-media-framing", frame: frame, field: "tcp.seq",
                "\(flow): RFC 4571 framing given up: \(why); "
                    + (lost.isEmpty ? "" : lost.joined(separator: " and ") + " and ")
                    + "the direction's later bytes written unchanged (renumbered only)"))
    }

    /// Decides every packet with bytes in the claimed frame at the head (the engine, `mayHold` as in
    /// `DecryptEngine.process`), and returns its plan; nil when it must wait (a packet waits for a key,
    /// or the segment bringing a packet's last byte has not been read yet). With `mayHold` false a packet
    /// still incomplete is given up: written unchanged, with a diagnostic.
    func decide(_ frameNumber: Int, engine: DecryptEngine, mayHold: Bool) -> Plan? {
        guard claims(frameNumber) else { return nil }
        let plan = plans[plansHead]
        guard plan.segment, var d = directions.removeValue(forKey: plan.flow) else { return plan }
        defer { directions[plan.flow] = d }
        let flow = MediaFlowKey(source: plan.flow.source, destination: plan.flow.destination, tcp: true)
        while d.pendingHead < d.pending.count, d.pending[d.pendingHead].start < plan.end {
            // The packet's buffer moves into the scratch frame and back out (never shared), so that
            // reusing it for the plaintext below writes in place instead of copying.
            let head = d.pendingHead
            let start = d.pending[head].start
            let completingFrame = d.pending[head].frame
            scratch.number = completingFrame
            scratch.timestamp = d.pending[head].timestamp
            swap(&scratch.data, &d.pending[head].bytes)
            let packet = MediaPacket(
                flow: flow, kind: d.pending[head].kind, range: 2..<scratch.data.count, tcpLengthOffset: 0)
            guard let r = engine.process(scratch, packet: packet, mayHold: mayHold) else {
                swap(&scratch.data, &d.pending[head].bytes)
                waitsForBytes = false
                return nil
            }
            var bytes: [UInt8] = []
            swap(&bytes, &scratch.data)
            note(r.status, ssrc: engine.stream(of: r)?.ssrc, frame: completingFrame)
            d.pendingHead += 1
            d.held -= bytes.count
            total -= bytes.count
            let bodyLength = bytes.count - 2
            if r.status == .authenticated || r.status == .replayed, r.plaintextLength <= bodyLength {
                let plaintext = engine.plaintext(r)
                bytes.removeAll(keepingCapacity: true)
                bytes.append(contentsOf: plaintext)
                d.edits.append(Edit(start: start, bodyLength: bodyLength, plaintext: bytes))
                d.held += bytes.count
                total += bytes.count
                rewriter.noteRemoved(
                    plan.flow, at: d.base &+ UInt32(truncatingIfNeeded: start + 2 + Int64(plaintext.count)),
                    count: bodyLength - plaintext.count)
            } else if spare.count < 64 {
                spare.append(bytes)
            }
        }
        if d.pendingHead == d.pending.count {
            d.pending.removeAll(keepingCapacity: true)
            d.pendingHead = 0
        }
        if !d.givenUp, d.framer.isInsideFrame, d.framer.frameStart < plan.end, d.forcedFrameStart != d.framer.frameStart
        {
            if mayHold {
                waitsForBytes = true
                return nil
            }
            d.forcedFrameStart = d.framer.frameStart
            diagnostics.append(
                Diagnostic(
                    .warning, code: "decrypt.tcp-media-incomplete", frame: frameNumber, field: "rfc4571.length",
                    "\(plan.flow): the RFC 4571 packet at stream offset \(d.framer.frameStart) was not complete when this segment had to be written (look-behind buffer full, or end of capture): written unchanged"
                ))
        }
        return plans[plansHead]
    }

    /// Folds one packet's outcome into the plan of the frame that completed it.
    private func note(_ status: DecryptEngine.Status, ssrc: UInt32?, frame: Int) {
        var lo = plansHead
        var hi = plans.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if plans[mid].frame < frame { lo = mid + 1 } else { hi = mid }
        }
        guard lo < plans.count, plans[lo].frame == frame else { return }
        if plans[lo].status != .failed {
            plans[lo].status = status
            plans[lo].ssrc = ssrc
        }
    }

    /// Writes the decided frame at the head into `out`: the segment's payload transformed and the
    /// connection renumbered. Returns nil when the frame is to be written as it is, false when its layout
    /// could not be fixed (`out` is a copy). Pops the plan.
    func write(_ frame: Frame, _ decoded: DecodedFrame, into out: inout Frame) -> Bool? {
        guard plansHead < plans.count, plans[plansHead].frame == frame.number else {
            return rewriter.rewrite(frame, decoded, payload: nil, into: &out)
        }
        let plan = popPlan()
        guard plan.segment, var d = directions.removeValue(forKey: plan.flow),
            let range = decoded.payloadRange, range.count == Int(plan.end - plan.start),
            range.upperBound <= frame.data.count
        else { return rewriter.rewrite(frame, decoded, payload: nil, into: &out) }
        defer {
            d.writtenEnd = max(d.writtenEnd, plan.end)
            forget(&d)
            directions[plan.flow] = d
        }
        // The edits with bytes in the segment (edits are in stream order and disjoint).
        var first = d.editsHead
        while first < d.edits.count, d.edits[first].end <= plan.start { first += 1 }
        var last = first
        while last < d.edits.count, d.edits[last].start < plan.end { last += 1 }
        if d.overlapsForgotten(plan.start, plan.end) {
            diagnostics.append(
                Diagnostic(
                    .warning, code: "decrypt.tcp-media-retransmission", frame: frame.number, field: "tcp.seq",
                    "\(plan.flow): retransmission of stream bytes \(plan.start)..<\(plan.end), decrypted too long ago to be remembered: written unchanged (renumbered only)"
                ))
            return rewriter.rewrite(frame, decoded, payload: nil, into: &out)
        }
        guard first < last else { return rewriter.rewrite(frame, decoded, payload: nil, into: &out) }
        payload.removeAll(keepingCapacity: true)
        let base = Int64(range.lowerBound) - plan.start
        var position = plan.start
        for e in d.edits[first..<last] {
            // Bytes before the edit, unchanged.
            let plainEnd = e.start + 2 + Int64(e.plaintext.count)
            if position < e.start {
                payload.append(contentsOf: frame.data[Int(base + position)..<Int(base + min(e.start, plan.end))])
                position = min(e.start, plan.end)
            }
            // The new length field (RFC 4571 §2), then the plaintext; the trailer is left out.
            while position < min(e.start + 2, plan.end) {
                let count = e.plaintext.count
                payload.append(UInt8(truncatingIfNeeded: position == e.start ? count >> 8 : count))
                position += 1
            }
            if position < min(plainEnd, plan.end) {
                let from = Int(position - e.start - 2)
                let to = Int(min(plainEnd, plan.end) - e.start - 2)
                payload.append(contentsOf: e.plaintext[from..<to])
            }
            position = min(e.end, plan.end)
        }
        if position < plan.end { payload.append(contentsOf: frame.data[Int(base + position)..<range.upperBound]) }
        return rewriter.rewrite(frame, decoded, payload: payload[...], into: &out)
    }

    /// Pops the plan at the head without writing (`streams`, which writes no capture).
    func skip(_ frameNumber: Int) {
        guard claims(frameNumber) else { return }
        let plan = popPlan()
        guard plan.segment, var d = directions.removeValue(forKey: plan.flow) else { return }
        d.writtenEnd = max(d.writtenEnd, plan.end)
        forget(&d)
        directions[plan.flow] = d
    }

    private func popPlan() -> Plan {
        let plan = plans[plansHead]
        plansHead += 1
        if plansHead == plans.count {
            plans.removeAll(keepingCapacity: true)
            plansHead = 0
        } else if plansHead >= 1024, plansHead * 2 >= plans.count {
            plans.removeFirst(plansHead)
            plansHead = 0
        }
        return plan
    }

    /// Forgets the plaintexts of packets that ended more than `historyBytes` before the last byte written.
    private func forget(_ d: inout Direction) {
        while d.editsHead < d.edits.count, d.edits[d.editsHead].end + Int64(limits.historyBytes) <= d.writtenEnd {
            var bytes = d.edits[d.editsHead].plaintext
            d.edits[d.editsHead].plaintext = []
            d.forgottenFrom = min(d.forgottenFrom, d.edits[d.editsHead].start)
            d.forgottenBefore = max(d.forgottenBefore, d.edits[d.editsHead].end)
            d.held -= bytes.count
            total -= bytes.count
            if spare.count < 64 {
                bytes.removeAll(keepingCapacity: true)
                spare.append(bytes)
            }
            d.editsHead += 1
        }
        if d.editsHead == d.edits.count {
            d.edits.removeAll(keepingCapacity: true)
            d.editsHead = 0
        } else if d.editsHead >= 256, d.editsHead * 2 >= d.edits.count {
            d.edits.removeFirst(d.editsHead)
            d.editsHead = 0
        }
    }
}
