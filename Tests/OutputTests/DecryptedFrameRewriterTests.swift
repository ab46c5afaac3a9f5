import Capture
import Datagrams
import Output
import Testing

/// The decrypted-frame rewriter: a shorter plaintext in place of the packet, IPv4/IPv6/UDP lengths and
/// checksums fixed, verified by decoding the result with checksum verification on. Frames are built
/// here with correct checksums (computed by this file's own RFC 1071 sum, independent of Output's).
@Suite struct DecryptedFrameRewriterTests {
    static func sum(_ b: [UInt8]) -> UInt32 {
        var s: UInt32 = 0
        var i = 0
        while i + 1 < b.count {
            s += UInt32(b[i]) << 8 | UInt32(b[i + 1])
            i += 2
        }
        if i < b.count { s += UInt32(b[i]) << 8 }
        return s
    }

    static func fold(_ s: UInt32) -> UInt16 {
        var s = s
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return ~UInt16(s)
    }

    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    /// Ethernet + IPv4 + UDP 40000 → 50000 with `payload`; UDP checksum computed, or 0 when `zeroUDP`.
    static func ipv4Frame(_ payload: [UInt8], zeroUDP: Bool = false) -> Frame {
        let src: [UInt8] = [192, 0, 2, 10]
        let dst: [UInt8] = [198, 51, 100, 20]
        let udpLength = 8 + payload.count
        var udp = be16(40000) + be16(50000) + be16(udpLength) + [0, 0] + payload
        if !zeroUDP {
            let c = fold(sum(src + dst + [0, 17] + be16(udpLength)) + sum(udp))
            udp[6] = UInt8(c >> 8)
            udp[7] = UInt8(c & 0xFF)
        }
        var ip: [UInt8] = [0x45, 0] + be16(20 + udpLength) + [0x12, 0x34, 0, 0, 64, 17, 0, 0] + src + dst
        let hc = fold(sum(ip))
        ip[10] = UInt8(hc >> 8)
        ip[11] = UInt8(hc & 0xFF)
        let data = [UInt8](repeating: 0xAA, count: 12) + [0x08, 0x00] + ip + udp
        return Frame(number: 1, originalLength: data.count, linkType: .ethernet, data: data)
    }

    /// Linux cooked (SLL) + IPv6 + UDP.
    static func ipv6Frame(_ payload: [UInt8]) -> Frame {
        let src: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x10]
        let dst: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x20]
        let udpLength = 8 + payload.count
        var udp = be16(40000) + be16(50000) + be16(udpLength) + [0, 0] + payload
        let c = fold(sum(src + dst + [0, 0] + be16(udpLength) + [0, 0, 0, 17]) + sum(udp))
        udp[6] = UInt8(c >> 8)
        udp[7] = UInt8(c & 0xFF)
        let ip: [UInt8] = [0x60, 0, 0, 0] + be16(udpLength) + [17, 64] + src + dst
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x86, 0xDD]
        let data = sll + ip + udp
        return Frame(number: 1, originalLength: data.count, linkType: .linuxSLL, data: data)
    }

    static func decode(_ f: Frame) -> DecodedFrame {
        var o = FrameDecoder.Options()
        o.verifyUDPChecksums = true
        return FrameDecoder(options: o).decode(f)
    }

    static let srtp: [UInt8] =
        [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0xA0, 1, 2, 3, 4] + [UInt8](repeating: 0x55, count: 40)
        + [UInt8](repeating: 0xEE, count: 10)  // a 10-byte tag
    static let plain: [UInt8] =
        [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0xA0, 1, 2, 3, 4] + [UInt8](repeating: 0xD5, count: 40)

    func rewrite(_ f: Frame) throws -> (Frame, DecodedFrame) {
        let d = Self.decode(f)
        let range = try #require(d.payloadRange)
        var out = Frame()
        let ok = Self.plain.withUnsafeBytes {
            DecryptedFrameRewriter.rewrite(f, d, packetRange: range, channelDataOffset: nil, plaintext: $0, into: &out)
        }
        #expect(ok)
        return (out, Self.decode(out))
    }

    @Test func ipv4LengthsAndChecksums() throws {
        let f = Self.ipv4Frame(Self.srtp)
        #expect(Self.decode(f).diagnostics.isEmpty)
        let (out, d) = try rewrite(f)
        #expect(out.data.count == f.data.count - 10)
        #expect(out.originalLength == f.originalLength - 10)
        #expect(d.diagnostics.isEmpty)  // IPv4 header checksum and UDP checksum verify
        guard case .udp(let u) = d.transport, case .ipv4(let ip) = d.network else {
            Issue.record("not IPv4/UDP")
            return
        }
        #expect(u.checksumStatus == .good)
        #expect(u.length == 8 + Self.plain.count)
        #expect(ip.totalLength == 20 + 8 + Self.plain.count)
        #expect(d.payload(in: out).map(Array.init) == Self.plain)
    }

    @Test func zeroUDPChecksumStaysZeroOverIPv4() throws {
        let (_, d) = try rewrite(Self.ipv4Frame(Self.srtp, zeroUDP: true))
        guard case .udp(let u) = d.transport else {
            Issue.record("not UDP")
            return
        }
        #expect(u.checksum == 0)
        #expect(u.checksumStatus == .absent)
    }

    @Test func ipv6PayloadLengthAndChecksum() throws {
        let f = Self.ipv6Frame(Self.srtp)
        guard case .udp(let u0) = Self.decode(f).transport else {
            Issue.record("fixture not UDP")
            return
        }
        #expect(u0.checksumStatus == .good)
        let (_, d) = try rewrite(f)
        guard case .udp(let u) = d.transport, case .ipv6(let ip) = d.network else {
            Issue.record("not IPv6/UDP")
            return
        }
        #expect(u.checksumStatus == .good)
        #expect(ip.payloadLength == 8 + Self.plain.count)
    }

    @Test func turnChannelDataLength() throws {
        // ChannelData 0x4000 around the SRTP packet (RFC 8656 §12.4).
        let f = Self.ipv4Frame([0x40, 0x00] + Self.be16(Self.srtp.count) + Self.srtp)
        let d0 = Self.decode(f)
        let udp = try #require(d0.payloadRange)
        let inner = (udp.lowerBound + 4)..<udp.upperBound
        var out = Frame()
        let ok = Self.plain.withUnsafeBytes {
            DecryptedFrameRewriter.rewrite(
                f, d0, packetRange: inner, channelDataOffset: udp.lowerBound, plaintext: $0, into: &out)
        }
        #expect(ok)
        let d = Self.decode(out)
        let payload = try #require(d.payload(in: out))
        let cd = try TURNChannelData.parse(payload)
        #expect(cd.length == Self.plain.count)
        #expect(Array(out.data[cd.payloadRange]) == Self.plain)
        guard case .udp(let u) = d.transport else { return }
        #expect(u.checksumStatus == .good)
    }
}
