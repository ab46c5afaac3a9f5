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
/// Shifts are kept per direction as the end (in sequence space, relative to the first rewritten
/// segment) of each rewritten segment with the total removed up to it, so that a retransmission of old
/// data is shifted by what came before it, not by everything. SACK blocks (RFC 2018) are not renumbered.
/// Memory: two integers per rewritten segment on connections that carry media (the media's own count).
public final class TCPMediaRewriter {
    struct Direction {
        /// The sequence number the relative positions count from.
        var base: UInt32
        /// Ends of rewritten segments (relative, increasing) and the bytes removed up to each.
        var ends: [Int64] = []
        var totals: [Int] = []

        func relative(_ seq: UInt32) -> Int64 { Int64(Int32(bitPattern: seq &- base)) }

        /// Bytes removed from this direction's stream before sequence number `seq`.
        func removed(before seq: UInt32) -> Int {
            let r = relative(seq)
            var lo = 0
            var hi = ends.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ends[mid] <= r { lo = mid + 1 } else { hi = mid }
            }
            return lo == 0 ? 0 : totals[lo - 1]
        }
    }

    private var directions: [TCPFlowKey: Direction] = [:]

    public init() {}

    /// True when some segment was rewritten: later frames of those connections must go through `rewrite`.
    public var isActive: Bool { !directions.isEmpty }

    /// Writes into `out` the frame with, when `media` is given, the RFC 4571 frame at `lengthOffset`
    /// (its packet at `range`) replaced by `plaintext`, and the TCP numbers shifted as described above.
    /// Returns nil when the frame needs no change (not TCP, or a connection with nothing rewritten) and
    /// false when its layout cannot be fixed (`out` is then a copy of the frame).
    public func rewrite(
        _ frame: Frame, _ decoded: DecodedFrame, media: (range: Range<Int>, lengthOffset: Int)?,
        plaintext: UnsafeRawBufferPointer?, into out: inout Frame
    ) -> Bool? {
        guard case .tcp(let tcp) = decoded.transport, let addresses = decoded.addresses else {
            return media == nil ? nil : copy(frame, into: &out)
        }
        let flow = TCPFlowKey(
            source: Endpoint(addresses.source, tcp.sourcePort),
            destination: Endpoint(addresses.destination, tcp.destinationPort))
        if media == nil, directions[flow] == nil, directions[flow.reversed] == nil { return nil }
        guard let link = decoded.link, let payload = decoded.payloadRange, decoded.payloadSource == .frame,
            payload.upperBound <= frame.data.count, payload.lowerBound - tcp.headerLength >= link.payloadOffset
        else { return copy(frame, into: &out) }
        let ip = link.payloadOffset
        let tcpStart = payload.lowerBound - tcp.headerLength

        out.number = frame.number
        out.timestamp = frame.timestamp
        out.linkType = frame.linkType
        out.interfaceID = frame.interfaceID
        out.data.removeAll(keepingCapacity: true)
        var delta = 0
        if let media, let plaintext {
            guard media.lengthOffset == payload.lowerBound, media.range.lowerBound == media.lengthOffset + 2,
                media.range.upperBound == payload.upperBound, plaintext.count <= 0xFFFF
            else { return copy(frame, into: &out) }
            out.data.append(contentsOf: frame.data[0..<media.lengthOffset])
            out.data.append(UInt8(truncatingIfNeeded: plaintext.count >> 8))
            out.data.append(UInt8(truncatingIfNeeded: plaintext.count))
            out.data.append(contentsOf: plaintext)
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
        if delta != 0 {
            var d = directions[flow] ?? Direction(base: tcp.sequenceNumber)
            let end = d.relative(tcp.sequenceNumber &+ UInt32(truncatingIfNeeded: payload.count))
            // A retransmission of a segment already rewritten removes nothing more.
            if d.ends.last.map({ end > $0 }) ?? true {
                d.ends.append(end)
                d.totals.append((d.totals.last ?? 0) - delta)
            }
            directions[flow] = d
        }
        let newLength = payload.upperBound + delta
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
