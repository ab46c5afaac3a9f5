/// Rebuilds one direction's handshake messages from fragments (RFC 6347 §4.2.3): fragments of a
/// message share its message_seq and may come in any order, overlap, or repeat; a flight may be
/// retransmitted whole. A message is delivered once, when its bytes are all in; later copies of it
/// are recognised by message_seq and dropped.
///
/// Bounded: messages over `maxMessageLength`, and more than `maxPending` incomplete messages, are
/// refused (with the reason), so a hostile capture cannot make it hold much.
struct HandshakeReassembler {
    static let maxMessageLength = 1 << 16
    static let maxPending = 8
    /// Disjoint received pieces of one message kept at most (each fragment merges in linear time).
    static let maxGaps = 64

    struct Message {
        var type: UInt8
        var messageSeq: UInt16
        var body: [UInt8]
    }

    private struct Pending {
        var type: UInt8
        var body: [UInt8]
        /// Received byte ranges, merged and sorted.
        var covered: [Range<Int>] = []
        var isComplete: Bool { covered.count == 1 && covered[0] == 0..<body.count }
    }

    private var pending: [UInt16: Pending] = [:]
    private var delivered = Set<UInt16>()

    /// Adds a fragment; returns the message it completes, or a problem to report.
    mutating func add(_ f: HandshakeFragment) -> (message: Message?, problem: String?) {
        if delivered.contains(f.messageSeq) { return (nil, nil) }  // a retransmission
        if f.offset == 0, f.body.count == f.length {
            delivered.insert(f.messageSeq)
            pending[f.messageSeq] = nil
            return (Message(type: f.type, messageSeq: f.messageSeq, body: Array(f.body)), nil)
        }
        guard f.length <= Self.maxMessageLength else {
            return (
                nil,
                "\(HandshakeFragment.name(f.type)) of \(f.length) bytes is over the \(Self.maxMessageLength)-byte bound; not reassembled"
            )
        }
        var p: Pending
        if let existing = pending[f.messageSeq] {
            p = existing
            guard p.type == f.type, p.body.count == f.length else {
                return (
                    nil,
                    "fragment of message_seq \(f.messageSeq) disagrees on type or length with an earlier one; dropped"
                )
            }
        } else {
            guard pending.count < Self.maxPending else {
                return (nil, "more than \(Self.maxPending) handshake messages incomplete at once; fragment dropped")
            }
            p = Pending(type: f.type, body: [UInt8](repeating: 0, count: f.length))
        }
        guard p.covered.count < Self.maxGaps else {
            return (
                nil,
                "message_seq \(f.messageSeq) arrives in more than \(Self.maxGaps) disjoint pieces; fragment dropped"
            )
        }
        p.body.replaceSubrange(f.offset..<(f.offset + f.body.count), with: f.body)
        p.covered = Self.merge(p.covered, f.offset..<(f.offset + f.body.count))
        if p.isComplete {
            pending[f.messageSeq] = nil
            delivered.insert(f.messageSeq)
            return (Message(type: p.type, messageSeq: f.messageSeq, body: p.body), nil)
        }
        pending[f.messageSeq] = p
        return (nil, nil)
    }

    /// Records `seq` as delivered (its message was handled before this reassembler existed).
    mutating func markDelivered(_ seq: UInt16) {
        delivered.insert(seq)
        pending[seq] = nil
    }

    /// Forgets everything (a new handshake on the same flow).
    mutating func reset() {
        pending.removeAll()
        delivered.removeAll()
    }

    var incompleteCount: Int { pending.count }

    static func merge(_ ranges: [Range<Int>], _ r: Range<Int>) -> [Range<Int>] {
        guard !r.isEmpty else { return ranges }
        var out: [Range<Int>] = []
        var cur = r
        for x in ranges {
            if x.upperBound < cur.lowerBound || x.lowerBound > cur.upperBound {
                out.append(x)
            } else {
                cur = min(x.lowerBound, cur.lowerBound)..<max(x.upperBound, cur.upperBound)
            }
        }
        out.append(cur)
        return out.sorted { $0.lowerBound < $1.lowerBound }
    }
}
