import Capture
import Datagrams
import Testing

/// A SIP message split over TCP segments from 10.0.0.1:40000 to 10.0.0.2:5060; the client's ISN is 1000.
let sipMessage = Array("INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: abc\r\nContent-Length: 0\r\n\r\n".utf8)
let isn: UInt32 = 1000

func segment(_ seq: UInt32, _ payload: [UInt8], flags: UInt8 = 0x18) -> [UInt8] {
    ipv4(proto: 6, payload: tcp(40000, 5060, seq: seq, flags: flags, payload: payload))
}

/// The SYN, then the message cut at `cuts` (byte offsets into it), each piece a segment.
func pieces(_ cuts: [Int]) -> [[UInt8]] {
    var out: [[UInt8]] = []
    let bounds = [0] + cuts + [sipMessage.count]
    for i in 0..<(bounds.count - 1) {
        out.append(segment(isn + 1 + UInt32(bounds[i]), Array(sipMessage[bounds[i]..<bounds[i + 1]])))
    }
    return out
}

let syn = segment(isn, [], flags: 0x02)

/// Bytes delivered across all frames, with each chunk's frame, in order.
func delivered(_ frames: [DecodedFrame]) -> (bytes: [UInt8], frames: [Int], gaps: [UInt64], ends: Int) {
    var bytes: [UInt8] = []
    var from: [Int] = []
    var gaps: [UInt64] = []
    var ends = 0
    var expectedOffset: UInt64 = 0
    for f in frames {
        for e in f.tcpEvents {
            switch e {
            case .data(let c):
                #expect(c.streamOffset == expectedOffset)
                expectedOffset += UInt64(c.bytes.count)
                bytes += c.bytes
                from.append(c.frame)
            case .gap(_, let offset, let length):
                #expect(offset == expectedOffset)
                expectedOffset += length
                gaps.append(length)
            case .end: ends += 1
            }
        }
    }
    return (bytes, from, gaps, ends)
}

@Test func tcpInOrder() {
    // The first piece holds the whole request line (36 bytes), so it classifies as SIP.
    let d = decodeAll(FrameDecoder(), [syn] + pieces([40, 60]))
    let r = delivered(d)
    #expect(r.bytes == sipMessage)
    #expect(r.frames == [2, 3, 4])
    #expect(d[1].classification.kind == .sip)
    #expect(d[2].classification.kind == .unknown)
    #expect(d.allSatisfy { $0.diagnostics.isEmpty })
    if case .data(let c) = d[1].tcpEvents.first {
        #expect(c.flow.description == "10.0.0.1:40000 → 10.0.0.2:5060")
    } else {
        Issue.record("no data event on frame 2")
    }
}

@Test func tcpOutOfOrder() {
    let p = pieces([10, 30])
    let d = decodeAll(FrameDecoder(), [syn, p[2], p[1], p[0]])
    #expect(d[1].tcpEvents.isEmpty && d[2].tcpEvents.isEmpty)
    let r = delivered(d)
    #expect(r.bytes == sipMessage)
    // All three delivered with the frame that filled the hole, each chunk naming its own frame.
    #expect(r.frames == [4, 3, 2])
    #expect(d[3].tcpEvents.count == 3)
}

@Test func tcpWithoutSYNStartsAtFirstSegment() {
    let d = decodeAll(FrameDecoder(), pieces([10, 30]))
    #expect(delivered(d).bytes == sipMessage)
}

@Test func tcpRetransmissionIsDroppedSilently() {
    let p = pieces([10, 30])
    // The second piece twice, and a segment covering pieces 1–2 again.
    let again = segment(isn + 1, Array(sipMessage[0..<30]))
    let d = decodeAll(FrameDecoder(), [syn, p[0], p[1], p[1], again, p[2]])
    let r = delivered(d)
    #expect(r.bytes == sipMessage)
    #expect(r.frames == [2, 3, 6])
    #expect(d.allSatisfy { $0.diagnostics.isEmpty })
}

@Test func tcpOverlapWithDifferentData() {
    let p = pieces([10, 30])
    var altered = Array(sipMessage[0..<30])
    altered[15] = 0x58  // 'X' where the delivered stream has something else
    let d = decodeAll(FrameDecoder(), [syn, p[0], p[1], segment(isn + 1, altered), p[2]])
    #expect(d[3].diagnostics.map(\.code) == ["tcp.overlap-conflict"])
    #expect(d[3].diagnostics.first?.frame == 4)
    #expect(delivered(d).bytes == sipMessage)
}

@Test func tcpOverlapInBufferedData() {
    let p = pieces([10, 30])
    var altered = Array(sipMessage[30...])
    altered[2] ^= 0x20
    // Piece 2 buffered (out of order), then a conflicting copy of it, then the hole filled.
    let d = decodeAll(FrameDecoder(), [syn, p[2], segment(isn + 1 + 30, altered), p[0], p[1]])
    #expect(d[2].diagnostics.map(\.code) == ["tcp.overlap-conflict"])
    #expect(delivered(d).bytes == sipMessage)
}

@Test func tcpHoleIsSkippedAfterTheBound() {
    var options = FrameDecoder.Options()
    options.tcpLimits.maxSegmentsPerDirection = 2
    let p = pieces([10, 20, 30, 40])
    // Piece 0 never arrives; pieces 1..3 are buffered, and the third buffered segment passes the bound.
    let d = decodeAll(FrameDecoder(options: options), [syn, p[1], p[2], p[3]])
    #expect(d[3].diagnostics.map(\.code) == ["tcp.gap"])
    let r = delivered(d)
    #expect(r.gaps == [10])
    #expect(r.bytes == Array(sipMessage[10..<40]))
}

@Test func tcpHoleReportedAtEndOfCapture() {
    let p = pieces([10, 30])
    let decoder = FrameDecoder()
    let d = decodeAll(decoder, [syn, p[0], p[2]])
    let end = decoder.finish()
    #expect(end.diagnostics.map(\.code) == ["tcp.gap"])
    var tail: [UInt8] = []
    for e in end.tcpEvents { if case .data(let c) = e { tail += c.bytes } }
    #expect(delivered(d).bytes + tail == Array(sipMessage[0..<10]) + Array(sipMessage[30...]))
}

@Test func tcpFinAndRst() {
    let p = pieces([10])
    let fin = segment(isn + 1 + 10, Array(sipMessage[10...]), flags: 0x19)  // FIN|PSH|ACK
    let d = decodeAll(FrameDecoder(), [syn, fin, p[0]])
    // The FIN is only honoured once the stream reaches it.
    #expect(delivered([d[1]]).ends == 0)
    #expect(delivered([d[2]]).ends == 1)
    let rst = decodeAll(FrameDecoder(), [syn, p[0], segment(isn + 1 + 10, [], flags: 0x04)])
    guard case .end(_, let reset, let f) = rst[2].tcpEvents.last else {
        Issue.record("no end event")
        return
    }
    #expect(reset && f == 3)
}

@Test func tcpSequenceWraparound() {
    // ISN just below 2^32: the stream crosses the wrap.
    let base: UInt32 = 0xFFFF_FFF0
    let a = ipv4(proto: 6, payload: tcp(40000, 5060, seq: base, flags: 0x02, payload: []))
    let b = ipv4(proto: 6, payload: tcp(40000, 5060, seq: base &+ 1, payload: Array(sipMessage[0..<30])))
    let c = ipv4(proto: 6, payload: tcp(40000, 5060, seq: base &+ 31, payload: Array(sipMessage[30...])))
    let d = decodeAll(FrameDecoder(), [a, c, b])
    #expect(delivered(d).bytes == sipMessage)
}

@Test func tcpTotalBufferBound() {
    var options = FrameDecoder.Options()
    options.tcpLimits.maxBufferedTotal = 25
    let p = pieces([10, 30])
    // 20 bytes buffered in one direction, then 20 more in another flow: the total bound forces a skip.
    let other = ipv4(
        src: v4("10.0.0.9"), proto: 6,
        payload: tcp(41000, 5060, seq: 5000, src: v4("10.0.0.9"), payload: Array(sipMessage[0..<5])))
    let other2 = ipv4(
        src: v4("10.0.0.9"), proto: 6,
        payload: tcp(41000, 5060, seq: 5030, src: v4("10.0.0.9"), payload: Array(sipMessage[0..<20])))
    let d = decodeAll(FrameDecoder(options: options), [syn, p[1], other, other2])
    #expect(d[3].diagnostics.map(\.code).contains("tcp.gap"))
}

@Test func tcpFlowLimitForgetsLeastRecent() {
    var options = FrameDecoder.Options()
    options.tcpLimits.maxFlows = 2
    let decoder = FrameDecoder(options: options)
    // Three client ports: the third direction evicts the first (least recently seen).
    var last: DecodedFrame?
    for (i, port) in [41000, 41001, 41002].enumerated() {
        last = decoder.decode(
            frame(ipv4(proto: 6, payload: tcp(port, 5060, seq: 1, payload: [0x41])), link: .ipv4, number: i + 1))
    }
    #expect(last?.diagnostics.map(\.code) == ["tcp.flow-evicted"])
    #expect(last?.diagnostics.first?.message.contains(":41000") == true)
    #expect(decoder.tcpStreams.flowCount == 2)
}

@Test func tcpOverIPv6() {
    let seg = tcp(40000, 5060, seq: 7, src: v6Src, dst: v6Dst, payload: sipMessage)
    let d = FrameDecoder().decode(frame(ipv6(next: 6, payload: seg), link: .ipv6))
    #expect(d.classification.kind == .sip)
    #expect(delivered([d]).bytes == sipMessage)
    #expect(d.diagnostics.isEmpty)
}

/// Stream offsets past 4 GiB (RFC 9293 §3.4: sequence numbers wrap), as the RTP-over-TCP followers and
/// the TCP renumbering compute them.
@Suite struct TCPSequenceTests {
    @Test func offsetNearestTheKnownOne() {
        let base: UInt32 = 0xFFFF_FF00
        // Near the start, either side of the wrap of the sequence number itself.
        #expect(TCPSequence.offset(of: base, base: base, near: 0) == 0)
        #expect(TCPSequence.offset(of: 0x0000_0010, base: base, near: 0) == 0x110)
        #expect(TCPSequence.offset(of: base &- 5, base: base, near: 0) == -5)
        // Past 4 GiB and 6 GiB: the same sequence numbers name offsets a multiple of 2^32 further.
        let fourGiB: Int64 = 1 << 32
        #expect(TCPSequence.offset(of: 0x0000_0010, base: base, near: fourGiB) == fourGiB + 0x110)
        #expect(TCPSequence.offset(of: base &+ 100, base: base, near: 3 * fourGiB / 2) == fourGiB + 100)
        // A segment behind the known offset (a retransmission) stays behind it, across the wrap.
        #expect(TCPSequence.offset(of: base &- 1000, base: base, near: fourGiB + 10) == fourGiB - 1000)
        // The old rule (relative to the base alone) put anything past 2 GiB behind offset 0.
        #expect(TCPSequence.offset(of: base &+ 0x9000_0000, base: base, near: 0x8FFF_0000) == 0x9000_0000)
    }
}
