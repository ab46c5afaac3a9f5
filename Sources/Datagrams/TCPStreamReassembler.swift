import Capture

/// One direction of a TCP connection: data flows from `source` to `destination`.
public struct TCPFlowKey: Hashable, Sendable, CustomStringConvertible {
    public var source: Endpoint
    public var destination: Endpoint
    public init(source: Endpoint, destination: Endpoint) {
        self.source = source
        self.destination = destination
    }
    /// The other direction of the same connection.
    public var reversed: TCPFlowKey { TCPFlowKey(source: destination, destination: source) }
    public var description: String { "\(source) → \(destination)" }
}

/// In-order bytes of one direction, all from one frame.
public struct TCPChunk: Hashable, Sendable {
    public var flow: TCPFlowKey
    /// Offset of `bytes[0]` in the direction's byte stream (0 is the byte after the SYN, or the first
    /// byte seen when the capture starts mid-connection).
    public var streamOffset: UInt64
    public var bytes: [UInt8]
    /// The frame that carried these bytes.
    public var frame: Int
}

/// What the stream reassembler delivers, in stream order per direction.
public enum TCPStreamEvent: Hashable, Sendable {
    case data(TCPChunk)
    /// Bytes `offset..<offset+length` of `flow` never arrived and were skipped; framing above must resynchronise.
    case gap(flow: TCPFlowKey, offset: UInt64, length: UInt64)
    /// The direction ended: FIN reached in order, or RST.
    case end(flow: TCPFlowKey, reset: Bool, frame: Int)
}

/// Bounds on what the stream reassembler buffers. Defaults suit SIP over TCP: messages are a few KB,
/// so a hole not filled after 1 MiB of later data is not going to be.
public struct TCPStreamLimits: Hashable, Sendable {
    /// Out-of-order bytes held per direction before the hole in front of them is skipped.
    public var maxBufferedPerDirection = 1 << 20
    /// Out-of-order segments held per direction before the hole is skipped.
    public var maxSegmentsPerDirection = 1_024
    /// Out-of-order bytes held across all directions.
    public var maxBufferedTotal = 64 << 20
    /// Directions tracked at once; beyond this the least recently seen is forgotten.
    public var maxFlows = 65_536
    /// Delivered bytes kept per direction to compare retransmissions against (overlap detection).
    public var retainedDelivered = 16 << 10

    public init() {}
}

/// Per-direction TCP stream reassembly: orders segments, drops retransmitted bytes (reporting those that
/// differ from what was delivered), buffers out-of-order data within bounds, and skips holes that the
/// bounds say will not fill, reporting each as a gap. Sequence numbers are compared modulo 2³² (RFC 9293 §3.4).
public struct TCPStreamReassembler {
    public var limits: TCPStreamLimits

    struct Segment {
        var offset: UInt64
        var bytes: [UInt8]
        var frame: Int
        var end: UInt64 { offset + UInt64(bytes.count) }
    }

    struct Direction {
        /// Sequence number of stream offset 0.
        var baseSeq: UInt32
        var nextOffset: UInt64 = 0
        var pending: [Segment] = []
        var pendingBytes = 0
        var recent: [UInt8] = []
        var recentStart: UInt64 = 0
        var finOffset: UInt64?
        var ended = false
        var lastUsed: UInt64 = 0
        init(baseSeq: UInt32) { self.baseSeq = baseSeq }
    }

    var directions: [TCPFlowKey: Direction] = [:]
    public private(set) var bufferedTotal = 0
    private var clock: UInt64 = 0

    public init(limits: TCPStreamLimits = TCPStreamLimits()) { self.limits = limits }

    /// Directions currently tracked.
    public var flowCount: Int { directions.count }

    /// Adds one segment of `flow` and appends what it makes deliverable to `events`.
    public mutating func add(
        flow: TCPFlowKey, sequenceNumber seq: UInt32, flags: TCPFlags, payload: ArraySlice<UInt8>, frame: Int,
        events: inout [TCPStreamEvent], diagnostics: inout [Diagnostic]
    ) {
        clock &+= 1
        var d: Direction
        if let existing = directions.removeValue(forKey: flow) {
            d = existing
            if flags.contains(.syn) && (d.ended || seq &+ 1 != d.baseSeq) && d.nextOffset > 0 {
                // A new connection reusing the 4-tuple (RFC 9293 §3.5): start afresh.
                release(&d, flow: flow, reason: "new SYN", frame: frame, events: &events, diagnostics: &diagnostics)
                d = Direction(baseSeq: seq &+ 1)
            }
        } else {
            if directions.count >= limits.maxFlows { evictLeastRecent(frame: frame, diagnostics: &diagnostics) }
            // Without a SYN the capture started mid-stream: the first byte seen is offset 0.
            d = Direction(baseSeq: flags.contains(.syn) ? seq &+ 1 : seq)
        }
        d.lastUsed = clock
        defer { directions[flow] = d }

        // The SYN occupies one sequence number before the data (RFC 9293 §3.4).
        let dataSeq = flags.contains(.syn) ? seq &+ 1 : seq
        let expected = d.baseSeq &+ UInt32(truncatingIfNeeded: d.nextOffset)
        let delta = Int64(Int32(bitPattern: dataSeq &- expected))
        let start = Int64(d.nextOffset) + delta
        var bytes = payload
        var offset: UInt64
        if start < 0 {
            let cut = Int(min(Int64(bytes.count), -start))
            bytes = bytes.dropFirst(cut)
            offset = 0
        } else {
            offset = UInt64(start)
        }
        if flags.contains(.fin) && !d.ended { d.finOffset = offset + UInt64(bytes.count) }

        // Bytes before nextOffset were delivered already: a retransmission. Compare what we retained.
        if offset < d.nextOffset && !bytes.isEmpty {
            let overlapEnd = min(d.nextOffset, offset + UInt64(bytes.count))
            let from = max(offset, d.recentStart)
            if from < overlapEnd {
                var k = from
                while k < overlapEnd {
                    if d.recent[Int(k - d.recentStart)] != bytes[bytes.startIndex + Int(k - offset)] {
                        diagnostics.append(
                            Diagnostic(
                                .error, code: "tcp.overlap-conflict", frame: frame, field: "tcp.seq",
                                "\(flow): retransmitted bytes at stream offset \(k) differ from those delivered; delivered bytes kept"
                            ))
                        break
                    }
                    k += 1
                }
            }
            bytes = bytes.dropFirst(Int(overlapEnd - offset))
            offset = overlapEnd
        }

        if !bytes.isEmpty && !d.ended {
            if offset == d.nextOffset {
                deliver(&d, flow: flow, bytes: bytes, frame: frame, events: &events)
                drain(&d, flow: flow, events: &events)
            } else {
                insertPending(&d, flow: flow, offset: offset, bytes: bytes, frame: frame, diagnostics: &diagnostics)
                if d.pendingBytes > limits.maxBufferedPerDirection || d.pending.count > limits.maxSegmentsPerDirection
                    || bufferedTotal > limits.maxBufferedTotal
                {
                    skipGap(&d, flow: flow, frame: frame, events: &events, diagnostics: &diagnostics)
                }
            }
        }
        if bufferedTotal > limits.maxBufferedTotal {
            shrinkLargest(frame: frame, events: &events, diagnostics: &diagnostics)
        }
        if flags.contains(.rst) && !d.ended {
            release(&d, flow: flow, reason: "RST", frame: frame, events: &events, diagnostics: &diagnostics)
            d.ended = true
            events.append(.end(flow: flow, reset: true, frame: frame))
        }
        checkFin(&d, flow: flow, frame: frame, events: &events)
    }

    /// Reports every hole still open, delivers what was buffered after it, and forgets all flows
    /// (at the end of the capture).
    public mutating func flush(events: inout [TCPStreamEvent], diagnostics: inout [Diagnostic]) {
        for (flow, var d) in directions.sorted(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            release(
                &d, flow: flow, reason: "end of capture", frame: d.pending.first?.frame ?? 0, events: &events,
                diagnostics: &diagnostics)
        }
        directions.removeAll()
        bufferedTotal = 0
    }

    private mutating func deliver(
        _ d: inout Direction, flow: TCPFlowKey, bytes: ArraySlice<UInt8>, frame: Int, events: inout [TCPStreamEvent]
    ) {
        let chunk = [UInt8](bytes)
        events.append(.data(TCPChunk(flow: flow, streamOffset: d.nextOffset, bytes: chunk, frame: frame)))
        d.nextOffset += UInt64(chunk.count)
        if limits.retainedDelivered > 0 {
            d.recent.append(contentsOf: chunk)
            if d.recent.count > 2 * limits.retainedDelivered {
                let cut = d.recent.count - limits.retainedDelivered
                d.recent.removeFirst(cut)
                d.recentStart += UInt64(cut)
            }
        } else {
            d.recentStart = d.nextOffset
        }
    }

    /// Delivers buffered segments that now start at or before `nextOffset`.
    private mutating func drain(_ d: inout Direction, flow: TCPFlowKey, events: inout [TCPStreamEvent]) {
        while let first = d.pending.first, first.offset <= d.nextOffset {
            d.pending.removeFirst()
            d.pendingBytes -= first.bytes.count
            bufferedTotal -= first.bytes.count
            if first.end > d.nextOffset {
                let skip = Int(d.nextOffset - first.offset)
                deliver(&d, flow: flow, bytes: first.bytes[skip...], frame: first.frame, events: &events)
            }
        }
    }

    /// Buffers an out-of-order segment, keeping only bytes not already buffered and reporting
    /// buffered bytes it contradicts.
    private mutating func insertPending(
        _ d: inout Direction, flow: TCPFlowKey, offset: UInt64, bytes: ArraySlice<UInt8>, frame: Int,
        diagnostics: inout [Diagnostic]
    ) {
        let end = offset + UInt64(bytes.count)
        var cursor = offset
        var pieces: [Segment] = []
        var reported = false
        for s in d.pending where s.end > offset && s.offset < end {
            // Compare the overlap.
            let lo = max(s.offset, offset)
            let hi = min(s.end, end)
            if !reported {
                var k = lo
                while k < hi {
                    if s.bytes[Int(k - s.offset)] != bytes[bytes.startIndex + Int(k - offset)] {
                        diagnostics.append(
                            Diagnostic(
                                .error, code: "tcp.overlap-conflict", frame: frame, field: "tcp.seq",
                                "\(flow): bytes at stream offset \(k) differ from those buffered from frame \(s.frame); earlier bytes kept"
                            ))
                        reported = true
                        break
                    }
                    k += 1
                }
            }
            if s.offset > cursor {
                let a = bytes.startIndex + Int(cursor - offset)
                let b = bytes.startIndex + Int(s.offset - offset)
                pieces.append(Segment(offset: cursor, bytes: [UInt8](bytes[a..<b]), frame: frame))
            }
            cursor = max(cursor, s.end)
        }
        if cursor < end {
            let a = bytes.startIndex + Int(cursor - offset)
            pieces.append(Segment(offset: cursor, bytes: [UInt8](bytes[a...]), frame: frame))
        }
        for p in pieces {
            let i = d.pending.firstIndex { $0.offset > p.offset } ?? d.pending.count
            d.pending.insert(p, at: i)
            d.pendingBytes += p.bytes.count
            bufferedTotal += p.bytes.count
        }
    }

    /// Skips the hole in front of the first buffered segment, reports it, and delivers what follows.
    private mutating func skipGap(
        _ d: inout Direction, flow: TCPFlowKey, frame: Int, events: inout [TCPStreamEvent],
        diagnostics: inout [Diagnostic]
    ) {
        guard let first = d.pending.first else { return }
        guard first.offset > d.nextOffset else {
            drain(&d, flow: flow, events: &events)
            return
        }
        let length = first.offset - d.nextOffset
        diagnostics.append(
            Diagnostic(
                .warning, code: "tcp.gap", frame: frame, field: "tcp.seq",
                "\(flow): \(length) bytes missing at stream offset \(d.nextOffset) (before frame \(first.frame)); skipped"
            ))
        events.append(.gap(flow: flow, offset: d.nextOffset, length: length))
        d.nextOffset = first.offset
        d.recent.removeAll(keepingCapacity: true)
        d.recentStart = d.nextOffset
        drain(&d, flow: flow, events: &events)
    }

    /// Skips every hole of a direction (RST, new SYN, end of capture).
    private mutating func release(
        _ d: inout Direction, flow: TCPFlowKey, reason: String, frame: Int, events: inout [TCPStreamEvent],
        diagnostics: inout [Diagnostic]
    ) {
        while !d.pending.isEmpty {
            skipGap(&d, flow: flow, frame: frame, events: &events, diagnostics: &diagnostics)
        }
        checkFin(&d, flow: flow, frame: frame, events: &events)
    }

    private func checkFin(_ d: inout Direction, flow: TCPFlowKey, frame: Int, events: inout [TCPStreamEvent]) {
        if let f = d.finOffset, !d.ended, d.nextOffset >= f {
            d.ended = true
            events.append(.end(flow: flow, reset: false, frame: frame))
        }
    }

    /// Over the total buffer: the directions holding the most skip their gaps, largest first, until an
    /// eighth of the limit is free again. One sort per shrink, and a shrink per eighth of the limit
    /// buffered: shrinking only back to the limit scanned every flow on each out-of-order segment.
    private mutating func shrinkLargest(frame: Int, events: inout [TCPStreamEvent], diagnostics: inout [Diagnostic]) {
        let target = limits.maxBufferedTotal - limits.maxBufferedTotal / 8
        let largest = directions.filter { $0.value.pendingBytes > 0 }.sorted { $0.value.pendingBytes > $1.value.pendingBytes }
        for (key, _) in largest {
            guard bufferedTotal > target else { return }
            guard var d = directions.removeValue(forKey: key) else { continue }
            skipGap(&d, flow: key, frame: frame, events: &events, diagnostics: &diagnostics)
            directions[key] = d
        }
    }

    /// At the flow limit: the eighth of the directions seen least recently are forgotten at once (one
    /// sort for them all; one scan per new flow made a flood of flows quadratic), with one diagnostic.
    private mutating func evictLeastRecent(frame: Int, diagnostics: inout [Diagnostic]) {
        let oldest = directions.sorted { $0.value.lastUsed < $1.value.lastUsed }.prefix(max(1, directions.count / 8))
        var dropped = 0
        for (key, _) in oldest {
            guard let d = directions.removeValue(forKey: key) else { continue }
            bufferedTotal -= d.pendingBytes
            dropped += d.pendingBytes
        }
        guard let first = oldest.first?.key else { return }
        let others = oldest.count > 1 ? " and the \(oldest.count - 1) next least recently seen" : ""
        diagnostics.append(
            Diagnostic(
                .warning, code: "tcp.flow-evicted", frame: frame, field: "tcp.stream",
                "\(first)\(others): forgotten to stay within \(limits.maxFlows) flows (\(dropped) buffered bytes dropped)"))
    }
}
