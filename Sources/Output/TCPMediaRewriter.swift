import Capture
import Datagrams

/// Builds the decrypted copy of frames of a TCP connection that carries RTP/RTCP framed per RFC 4571.
///
/// The plaintext is shorter than the SRTP packet (no tag, MKI or SRTCP index), and TCP numbers bytes:
/// once one segment shrinks, every later sequence number in that direction, and every acknowledgment
/// number in the other, would point past the data. Padding the plaintext back to the old size is not an
/// option (RFC 4571's length field says where the next packet starts, so the pad would be read as a
/// packet). So the connection is renumbered: a decrypted segment gets the new length field
/// (RFC 4571 §2), IP lengths and its TCP checksum (RFC 9293 §3.1, over the pseudo-header); and every
/// segment of the connection, decrypted or not, has its sequence number lowered by the bytes removed
/// before it in its direction and its acknowledgment number by the bytes removed before it in the other
/// direction, with the checksum recomputed. Wireshark then sees a consistent stream (no "previous segment
/// not captured", no "ACKed unseen segment") and reads the RTP over it.
///
/// Shifts are kept per direction as the runs of bytes removed (in sequence space, relative to the first
/// run), each with the total removed up to its end, so that a segment is shifted by exactly the bytes
/// removed before its first byte, whichever segment held them, and a retransmission of old data by what
/// came before it, not by everything. Runs are noted by whoever decides the removal: `rewrite(media:)` for
/// a segment that is one whole RFC 4571 frame, `TCPMediaFollower` (SRTPDump) for packets followed across
/// segments, whose trailer may lie in a later segment than their header. SACK blocks (RFC 2018) are
/// renumbered like acknowledgments. Memory: three integers per decrypted packet on connections that carry media.
public final class TCPMediaRewriter {
    struct Direction {
        /// The sequence number the relative positions count from.
        var base: UInt32
        /// Removed runs (relative, increasing, disjoint) and the bytes removed up to each run's end.
        var starts: [Int64] = []
        var ends: [Int64] = []
        var totals: [Int] = []
        /// The highest position seen in a segment of this direction or an acknowledgment of it: with the
        /// last run, the reference for sequence numbers, which wrap every 4 GiB (a direction may go on
        /// long after its last removal: framing given up, packets that fail, a key that comes late).
        var seen: Int64 = 0

        /// The position of `seq`, nearest the furthest known (past 4 GiB, sequence numbers wrap).
        func relative(_ seq: UInt32) -> Int64 {
            TCPSequence.offset(of: seq, base: base, near: max(ends.last ?? 0, seen))
        }

        mutating func noteSeen(_ seq: UInt32) { seen = max(seen, relative(seq)) }

        /// Bytes removed from this direction's stream before sequence number `seq`.
        func removed(before seq: UInt32) -> Int {
            let r = relative(seq)
            var lo = 0
            var hi = starts.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if starts[mid] < r { lo = mid + 1 } else { hi = mid }
            }
            guard lo > 0 else { return 0 }
            // `seq` may fall inside the run (a segment boundary inside a tag).
            return totals[lo - 1] - Int(max(0, ends[lo - 1] - r))
        }
    }

    private var directions: [TCPFlowKey: Direction] = [:]
    private var scratch: [UInt8] = []

    public init() {}

    /// True when some bytes were removed: later frames of those connections must go through `rewrite`.
    public var isActive: Bool { !directions.isEmpty }

    /// Records that `count` bytes starting at sequence number `seq` of `flow` are removed from the output.
    /// Runs come in stream order; one starting before the end of the last is a retransmission's, already
    /// counted, and ignored.
    public func noteRemoved(_ flow: TCPFlowKey, at seq: UInt32, count: Int) {
        guard count > 0 else { return }
        var d = directions[flow] ?? Direction(base: seq)
        let start = d.relative(seq)
        if let last = d.ends.last, start < last { return }
        d.starts.append(start)
        d.ends.append(start + Int64(count))
        d.totals.append((d.totals.last ?? 0) + count)
        directions[flow] = d
    }

    /// Bytes removed from `flow` before sequence number `seq`.
    public func removed(_ flow: TCPFlowKey, before seq: UInt32) -> Int {
        directions[flow]?.removed(before: seq) ?? 0
    }

    /// Writes into `out` the frame with, when `media` is given, the RFC 4571 frame at `lengthOffset`
    /// (its packet at `range`) replaced by `plaintext`, and the TCP numbers shifted as described above.
    /// Returns nil when the frame needs no change (not TCP, or a connection with nothing rewritten) and
    /// false when its layout cannot be fixed (`out` is then a copy of the frame).
    public func rewrite(
        _ frame: Frame, _ decoded: DecodedFrame, media: (range: Range<Int>, lengthOffset: Int)?,
        plaintext: UnsafeRawBufferPointer?, into out: inout Frame
    ) -> Bool? {
        guard let media, let plaintext else { return rewrite(frame, decoded, payload: nil, into: &out) }
        guard case .tcp(let tcp) = decoded.transport, let addresses = decoded.addresses,
            let payload = decoded.payloadRange, decoded.payloadSource == .frame,
            media.lengthOffset == payload.lowerBound, media.range.lowerBound == media.lengthOffset + 2,
            media.range.upperBound == payload.upperBound, payload.upperBound <= frame.data.count,
            plaintext.count <= media.range.count
        else { return copy(frame, into: &out) }
        let flow = TCPFlowKey(
            source: Endpoint(addresses.source, tcp.sourcePort),
            destination: Endpoint(addresses.destination, tcp.destinationPort))
        // The trailer (tag, MKI, SRTCP index) goes from the end of the segment (RFC 3711 §3.1, §3.4).
        noteRemoved(
            flow, at: tcp.sequenceNumber &+ UInt32(truncatingIfNeeded: 2 + plaintext.count),
            count: media.range.count - plaintext.count)
        scratch.removeAll(keepingCapacity: true)
        scratch.append(UInt8(truncatingIfNeeded: plaintext.count >> 8))
        scratch.append(UInt8(truncatingIfNeeded: plaintext.count))
        scratch.append(contentsOf: plaintext)
        return rewrite(frame, decoded, payload: scratch[...], into: &out)
    }

    /// Writes into `out` the frame with its TCP payload replaced by `newPayload` (nil: kept), its sequence
    /// number lowered by the bytes removed before it in its direction and its acknowledgment number by
    /// those removed before it in the other, IP lengths and TCP checksum fixed. Returns nil when the frame
    /// needs no change (not TCP, or no new payload on a connection with nothing removed) and false when
    /// its layout cannot be fixed (`out` is then a copy of the frame).
    public func rewrite(
        _ frame: Frame, _ decoded: DecodedFrame, payload newPayload: ArraySlice<UInt8>?, into out: inout Frame
    ) -> Bool? {
        guard case .tcp(let tcp) = decoded.transport, let addresses = decoded.addresses else {
            return newPayload == nil ? nil : copy(frame, into: &out)
        }
        let flow = TCPFlowKey(
            source: Endpoint(addresses.source, tcp.sourcePort),
            destination: Endpoint(addresses.destination, tcp.destinationPort))
        if newPayload == nil, directions[flow] == nil, directions[flow.reversed] == nil { return nil }
        guard let link = decoded.link, let payload = decoded.payloadRange, decoded.payloadSource == .frame,
            payload.upperBound <= frame.data.count, payload.lowerBound - tcp.headerLength >= link.payloadOffset,
            (newPayload?.count ?? 0) <= 0xFFFF
        else { return copy(frame, into: &out) }
        let ip = link.payloadOffset
        let tcpStart = payload.lowerBound - tcp.headerLength

        out.number = frame.number
        out.timestamp = frame.timestamp
        out.linkType = frame.linkType
        out.interfaceID = frame.interfaceID
        out.data.removeAll(keepingCapacity: true)
        var delta = 0
        if let newPayload {
            out.data.append(contentsOf: frame.data[0..<payload.lowerBound])
            out.data.append(contentsOf: newPayload)
            out.data.append(contentsOf: frame.data[payload.upperBound...])
            delta = out.data.count - frame.data.count
        } else {
            out.data.append(contentsOf: frame.data)
        }
        out.originalLength = frame.originalLength + delta

        // The numbers, from what was removed before this segment.
        let seqShift = directions[flow]?.removed(before: tcp.sequenceNumber) ?? 0
        let ackShift =
            tcp.flags.contains(.ack) ? directions[flow.reversed]?.removed(before: tcp.acknowledgmentNumber) ?? 0 : 0
        let newLength = payload.upperBound + delta
        let reverse = tcp.flags.contains(.ack) ? directions[flow.reversed] : nil
        directions[flow]?.noteSeen(tcp.sequenceNumber &+ UInt32(truncatingIfNeeded: payload.count))
        if reverse != nil { directions[flow.reversed]?.noteSeen(tcp.acknowledgmentNumber) }
        var ok = true
        out.data.withUnsafeMutableBytes { p in
            func get16(_ i: Int) -> Int { Int(p[i]) << 8 | Int(p[i + 1]) }
            func put16(_ v: Int, _ i: Int) {
                p[i] = UInt8(truncatingIfNeeded: v >> 8)
                p[i + 1] = UInt8(truncatingIfNeeded: v)
            }
            func put32(_ v: UInt32, _ i: Int) {
                put16(Int(v >> 16), i)
                put16(Int(v & 0xFFFF), i + 2)
            }
            guard tcpStart + 20 <= p.count, newLength <= p.count else {
                ok = false
                return
            }
            let version: IPHeaderRewrite.Version
            switch decoded.network {
            case .ipv4(let h): version = .v4(headerLength: h.headerLength)
            case .ipv6: version = .v6
            case nil:
                ok = false
                return
            }
            guard var pseudo = IPHeaderRewrite.addLength(delta, version: version, at: ip, in: p) else {
                ok = false
                return
            }
            put32(tcp.sequenceNumber &- UInt32(truncatingIfNeeded: seqShift), tcpStart + 4)
            if ackShift != 0 { put32(tcp.acknowledgmentNumber &- UInt32(truncatingIfNeeded: ackShift), tcpStart + 8) }
            if let reverse, tcp.headerLength > 20 {
                // SACK blocks (RFC 2018 §3) name bytes of the other direction, as the acknowledgment does:
                // each edge is lowered by the bytes removed before it. Options are walked as RFC 9293
                // §3.1 lays them out (end of list, no-operation, kind-length-value), stopping at any
                // length that does not fit.
                let end = tcpStart + tcp.headerLength
                var i = tcpStart + 20
                while i < end, p[i] != 0 {
                    if p[i] == 1 {
                        i += 1
                        continue
                    }
                    guard i + 1 < end, p[i + 1] >= 2, i + Int(p[i + 1]) <= end else { break }
                    let length = Int(p[i + 1])
                    if p[i] == 5 {
                        var edge = i + 2
                        while edge + 4 <= i + length {
                            let old = UInt32(get16(edge)) << 16 | UInt32(get16(edge + 2))
                            put32(old &- UInt32(truncatingIfNeeded: reverse.removed(before: old)), edge)
                            edge += 4
                        }
                    }
                    i += length
                }
            }
            // RFC 9293 §3.1: the checksum covers a pseudo-header (addresses, protocol 6, TCP length).
            let tcpLength = newLength - tcpStart
            pseudo += 6 + UInt64(tcpLength)
            put16(0, tcpStart + 16)
            pseudo += InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: p[tcpStart..<newLength]))
            put16(Int(InternetChecksum.finish(pseudo)), tcpStart + 16)
        }
        if !ok { return copy(frame, into: &out) }
        return true
    }

    private func copy(_ frame: Frame, into out: inout Frame) -> Bool {
        out = frame
        return false
    }
}
