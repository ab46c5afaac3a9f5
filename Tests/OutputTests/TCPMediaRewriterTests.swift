import Capture
import Datagrams
import Output
import Testing

/// The TCP renumbering of a connection that carries decrypted RTP over TCP, on a direction that goes on
/// long after its last removal: sequence numbers wrap every 4 GiB (RFC 9293 §3.4), and a segment 3 GiB
/// past the last removed run must still be shifted by what was removed before it. Frames built here,
/// raw IPv4.
@Suite struct TCPMediaRewriterTests {
    typealias R = DecryptedFrameRewriterTests

    static let a: [UInt8] = [10, 0, 0, 1]
    static let b: [UInt8] = [10, 0, 0, 2]

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func readBE32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    /// A raw IPv4 frame holding one TCP segment (ACK set), from A (port 40000) to B (port 50000) or back.
    static func segment(fromA: Bool, seq: UInt32, ack: UInt32, payload: [UInt8]) -> Frame {
        let (src, dst) = fromA ? (a, b) : (b, a)
        let (sport, dport) = fromA ? (40000, 50000) : (50000, 40000)
        var ip: [UInt8] = [0x45, 0] + R.be16(40 + payload.count) + [0, 1, 0x40, 0, 64, 6, 0, 0] + src + dst
        let c = R.fold(R.sum(ip))
        ip[10] = UInt8(c >> 8)
        ip[11] = UInt8(c & 0xFF)
        let tcp: [UInt8] = R.be16(sport) + R.be16(dport) + be32(seq) + be32(ack) + [0x50, 0x10] + R.be16(64240) + [0, 0, 0, 0]
        let bytes = ip + tcp + payload
        return Frame(number: 1, originalLength: bytes.count, linkType: .raw, data: bytes)
    }

    @Test func shiftsHoldPastFourGiB() throws {
        let rewriter = TCPMediaRewriter()
        let flow = TCPFlowKey(
            source: Endpoint(IPAddress(v4: 0x0A00_0001), 40000), destination: Endpoint(IPAddress(v4: 0x0A00_0002), 50000))
        let base: UInt32 = 0xC000_0000
        // A 10-byte trailer removed right at the start of A's stream.
        rewriter.noteRemoved(flow, at: base &+ 100, count: 10)
        let gib: UInt32 = 1 << 30
        // A's segments every GiB of stream for 5 GiB (no removal after the first), each acknowledged by B.
        for k in UInt32(1)...5 {
            let seq = base &+ k &* gib
            let data = Self.segment(fromA: true, seq: seq, ack: 7, payload: [UInt8](repeating: 0x55, count: 100))
            var out = Frame()
            #expect(rewriter.rewrite(data, FrameDecoder().decode(data), payload: nil, into: &out) == true)
            #expect(Self.readBE32(out.data, 24) == seq &- 10, "\(k) GiB: sequence number")
            let ackFrame = Self.segment(fromA: false, seq: 7, ack: seq &+ 100, payload: [])
            #expect(rewriter.rewrite(ackFrame, FrameDecoder().decode(ackFrame), payload: nil, into: &out) == true)
            #expect(Self.readBE32(out.data, 28) == seq &+ 100 &- 10, "\(k) GiB: acknowledgment number")
        }
    }
}
