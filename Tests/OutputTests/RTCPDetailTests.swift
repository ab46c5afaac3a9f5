import Output
import Testing

/// RTCPDetail against compound packets written out here byte by byte from the RFC layouts: RFC 3550
/// §6.4.1 (SR with a report block), §6.5 (SDES), §6.6 (BYE with a reason), §6.7 (APP), and RFC 3611 §3
/// (XR with two report blocks).
@Suite struct RTCPDetailTests {
    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    @Test func srSdesByeAppXr() {
        // SR: V=2 RC=1 PT=200 length 12 words; sender info; one report block with cumulative lost −3.
        var b: [UInt8] = [0x81, 200, 0, 12] + Self.be32(0x1111_1111)
        b += Self.be32(0xE98C_25A4) + Self.be32(0x06E9_7800) + Self.be32(160) + Self.be32(7) + Self.be32(1120)
        b += Self.be32(0x2222_2222) + [25, 0xFF, 0xFF, 0xFD] + Self.be32(0x0001_0010) + Self.be32(42)
        b += Self.be32(0xAABB_CCDD) + Self.be32(65536)
        // SDES: one chunk, CNAME "ab" and NOTE "x", null item, padded to 32 bits (length 3 words).
        b += [0x81, 202, 0, 3] + Self.be32(0x1111_1111) + [1, 2, 0x61, 0x62, 7, 1, 0x78, 0]
        // BYE: one source, reason "bye" (length 2 words).
        b += [0x81, 203, 0, 2] + Self.be32(0x1111_1111) + [3, 0x62, 0x79, 0x65]
        // APP: subtype 5, name "TEST", 4 bytes of data (length 3 words).
        b += [0x85, 204, 0, 3] + Self.be32(0x1111_1111) + Array("TEST".utf8) + [1, 2, 3, 4]
        // XR: a receiver reference time block (BT 4, 2 words) and a DLRR block (BT 5, 3 words).
        b += [0x80, 207, 0, 8] + Self.be32(0x1111_1111)
        b += [4, 0, 0, 2] + Self.be32(1) + Self.be32(2)
        b += [5, 0, 0, 3] + Self.be32(3) + Self.be32(4) + Self.be32(5)

        let d = RTCPDetail.parse(b)
        #expect(d.trailing == 0)
        #expect(d.packets.map(\.name) == ["SR", "SDES", "BYE", "APP", "XR"])
        guard d.packets.count == 5 else { return }
        guard case .report(let sender, let blocks) = d.packets[0].body else {
            Issue.record("SR body")
            return
        }
        #expect(sender?.packetCount == 7 && sender?.octetCount == 1120 && sender?.rtpTimestamp == 160)
        #expect(sender?.ntpTimestamp == 0xE98C_25A4_06E9_7800)
        #expect(blocks.count == 1)
        #expect(blocks.first?.ssrc == 0x2222_2222 && blocks.first?.fractionLost == 25)
        #expect(blocks.first?.cumulativeLost == -3 && blocks.first?.highestSequence == 0x0001_0010)
        #expect(
            blocks.first?.jitter == 42 && blocks.first?.lastSR == 0xAABB_CCDD && blocks.first?.delaySinceLastSR == 65536
        )
        if case .sdes(let chunks) = d.packets[1].body {
            #expect(chunks.count == 1 && chunks.first?.ssrc == 0x1111_1111)
            #expect(chunks.first?.items.map(\.name) == ["CNAME", "NOTE"])
            #expect(chunks.first?.items.map(\.text) == ["ab", "x"])
        } else {
            Issue.record("SDES body")
        }
        if case .bye(let sources, let reason) = d.packets[2].body {
            #expect(sources == [0x1111_1111] && reason == "bye")
        } else {
            Issue.record("BYE body")
        }
        if case .app(let subtype, let name, let length) = d.packets[3].body {
            #expect(subtype == 5 && name == "TEST" && length == 4)
        } else {
            Issue.record("APP body")
        }
        if case .xr(let blocks) = d.packets[4].body {
            #expect(blocks.map(\.blockType) == [4, 5] && blocks.map(\.lengthWords) == [2, 3])
        } else {
            Issue.record("XR body")
        }
    }

    /// A length running past the buffer ends the walk; the rest is counted, nothing is read out of bounds.
    @Test func truncatedCompound() {
        let b: [UInt8] = [0x80, 201, 0, 1] + Self.be32(9) + [0x81, 202, 0, 9, 1, 2, 3]
        let d = RTCPDetail.parse(b)
        #expect(d.packets.map(\.name) == ["RR"])
        #expect(d.trailing == 7)
        for n in 0..<b.count { _ = RTCPDetail.parse(Array(b.prefix(n))) }
    }
}
