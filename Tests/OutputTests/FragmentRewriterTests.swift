import Capture
import Datagrams
import Output
import Testing

/// The fragment rewriter: a fragment's data replaced by its share of a rewritten datagram, its IP header's
/// length (and IPv4 checksum) fixed, everything else in the frame kept. Frames built here; the IPv4
/// checksum is checked with this file's own RFC 1071 sum.
@Suite struct FragmentRewriterTests {
    typealias R = DecryptedFrameRewriterTests

    static let ethernet: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
    static let ethernet6: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xDD]

    /// Ethernet + an IPv4 fragment (id 0x1234) of `data` at `offset`, then `trailer` (link padding).
    static func ipv4Fragment(_ data: [UInt8], offset: Int, more: Bool, trailer: [UInt8] = []) -> Frame {
        var ip: [UInt8] =
            [0x45, 0] + R.be16(20 + data.count) + [0x12, 0x34] + R.be16((more ? 0x2000 : 0) | offset / 8)
        ip += [64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]
        let c = R.fold(R.sum(ip))
        ip[10] = UInt8(c >> 8)
        ip[11] = UInt8(c & 0xFF)
        let bytes = ethernet + ip + data + trailer
        return Frame(number: 7, originalLength: bytes.count, linkType: .ethernet, data: bytes)
    }

    static func ipv6Fragment(_ data: [UInt8], offset: Int, more: Bool) -> Frame {
        var ip: [UInt8] = [0x60, 0, 0, 0] + R.be16(8 + data.count) + [44, 64]
        ip += [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
        ip += [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [2]
        ip += [17, 0] + R.be16(offset | (more ? 1 : 0)) + [0, 0, 0xAB, 0xCD]
        let bytes = ethernet6 + ip + data
        return Frame(number: 3, originalLength: bytes.count, linkType: .ethernet, data: bytes)
    }

    static func rewrite(_ frame: Frame, _ datagram: [UInt8]) -> (Bool, Frame) {
        var out = Frame()
        let ok = FragmentRewriter.rewrite(frame, FrameDecoder().decode(frame), datagram: datagram, into: &out)
        return (ok, out)
    }

    @Test func middleFragmentKeepsItsLength() {
        let frame = Self.ipv4Fragment([UInt8](repeating: 0xEE, count: 16), offset: 16, more: true)
        let datagram = (0..<64).map { UInt8($0) }
        let (ok, out) = Self.rewrite(frame, datagram)
        #expect(ok)
        #expect(out.data.count == frame.data.count)
        #expect(Array(out.data[34...]) == Array(datagram[16..<32]))
        #expect(Array(out.data[0..<34]) == Array(frame.data[0..<34]), "header changed though the length did not")
        #expect(out.number == 7)
    }

    /// The last fragment takes the rest of a shorter datagram; the link trailer stays; the IPv4 total
    /// length and checksum follow, identification, flags and offset do not change.
    @Test func lastFragmentShrinksAndKeepsTheTrailer() {
        let frame = Self.ipv4Fragment(
            [UInt8](repeating: 0xEE, count: 20), offset: 24, more: false, trailer: [9, 9, 9, 9])
        let datagram = (0..<30).map { UInt8($0) }
        let (ok, out) = Self.rewrite(frame, datagram)
        #expect(ok)
        let ip = Array(out.data[14..<34])
        #expect(Int(ip[2]) << 8 | Int(ip[3]) == 26)
        #expect(R.fold(R.sum(ip)) == 0, "IPv4 header checksum does not verify")
        #expect(ip[4...7] == frame.data[18...21])
        #expect(Array(out.data[34..<40]) == Array(datagram[24..<30]))
        #expect(Array(out.data.suffix(4)) == [9, 9, 9, 9])
        #expect(out.originalLength == frame.originalLength - 14)
    }

    /// A last fragment past the datagram's end is written with no data, its header fixed.
    @Test func emptiedFragmentIsStillWritten() {
        let frame = Self.ipv4Fragment([1, 2, 3, 4, 5, 6], offset: 32, more: false)
        let (ok, out) = Self.rewrite(frame, [UInt8](repeating: 7, count: 32))
        #expect(ok)
        #expect(out.data.count == 34)
        #expect(Int(out.data[16]) << 8 | Int(out.data[17]) == 20)
        #expect(R.fold(R.sum(Array(out.data[14..<34]))) == 0)
    }

    @Test func ipv6PayloadLengthFollows() {
        let frame = Self.ipv6Fragment([UInt8](repeating: 0xEE, count: 24), offset: 16, more: false)
        let (ok, out) = Self.rewrite(frame, (0..<30).map { UInt8($0) })
        #expect(ok)
        #expect(out.data.count == frame.data.count - 10)
        #expect(Int(out.data[18]) << 8 | Int(out.data[19]) == 8 + 14)
        #expect(Array(out.data[(14 + 48)...]) == (16..<30).map { UInt8($0) })
        #expect(Array(out.data[(14 + 40)..<(14 + 48)]) == Array(frame.data[(14 + 40)..<(14 + 48)]))
    }

    /// Not a fragment, or a datagram that does not reach the fragment: refused, the frame copied.
    @Test func refusesWhatItCannotPlace() {
        let whole = R.ipv4Frame([0x80, 0, 0, 1])
        let (ok1, out1) = Self.rewrite(whole, [1, 2, 3])
        #expect(!ok1)
        #expect(out1.data == whole.data)
        let frame = Self.ipv4Fragment([1, 2, 3, 4, 5, 6, 7, 8], offset: 64, more: true)
        let (ok2, out2) = Self.rewrite(frame, [UInt8](repeating: 0, count: 40))
        #expect(!ok2)
        #expect(out2.data == frame.data)
    }
}
