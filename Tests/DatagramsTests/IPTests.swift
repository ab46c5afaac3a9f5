import Capture
import Testing
import Datagrams

@Test func ipv4OptionsAndChecksum() throws {
    // Options: Record Route (type 7, length 7, pointer 4, one empty slot) + NOP + End of Options = 12 bytes? no: 7 + 1 = 8.
    let options: [UInt8] = [0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01]
    let f = frame(ethernet(payload: ipv4(options: options, payload: udp(10000, 20000, payload: rtp()))))
    let d = FrameDecoder().decode(f)
    guard case .ipv4(let ip) = d.network else {
        Issue.record("no IPv4 layer")
        return
    }
    #expect(ip.headerLength == 28)
    #expect(ip.checksumValid)
    #expect(ip.optionsRange == 34..<42)
    let opts = try ip.options(in: f.data)
    #expect(opts.map(\.type) == [7, 1])
    #expect(opts.first?.range == 34..<41)
    #expect(d.classification.kind == .rtp)
    #expect(d.diagnostics.isEmpty)
}

@Test func ipv4BadChecksumIsReportedAndDecodingGoesOn() {
    var data = ethernet(payload: ipv4UDP)
    data[14 + 10] ^= 0xFF  // corrupt the header checksum
    let d = FrameDecoder().decode(frame(data, number: 9))
    #expect(d.diagnostics.map(\.code) == ["ipv4.checksum"])
    #expect(d.diagnostics.first?.frame == 9)
    #expect(d.classification.kind == .rtp)
}

@Test func ipv4IHLBelowFive() {
    let d = FrameDecoder().decode(frame(ethernet(payload: ipv4(ihl: 4, payload: udp(1, 2, payload: [1])))))
    #expect(d.diagnostics.map(\.code) == ["ipv4.ihl"])
    #expect(d.diagnostics.first?.field == "ip.hdr_len")
    #expect(d.diagnostics.first?.severity == .error)
}

@Test func ipv4TotalLengthPastFrameIsAnError() {
    let data = ethernet(payload: ipv4(totalLength: 500, payload: udp(1, 2, payload: [1, 2, 3])))
    let d = FrameDecoder().decode(frame(data, number: 4))
    #expect(d.diagnostics.map(\.code) == ["ipv4.total-length"])
    #expect(d.diagnostics.first?.frame == 4)
    #expect(d.transport == nil)
}

@Test func ipv4SnappedIsTruncatedNotFailed() {
    // The frame was 200 bytes on the wire; the capture kept the first 50.
    let full = ethernet(payload: ipv4UDP + [UInt8](repeating: 0, count: 0))
    let cut = Array(full.prefix(50))
    let d = FrameDecoder().decode(frame(cut, originalLength: full.count))
    #expect(d.truncated)
    guard case .ipv4(let ip) = d.network else {
        Issue.record("no IPv4 layer")
        return
    }
    #expect(ip.truncated)
    #expect(d.diagnostics.allSatisfy { $0.severity != .error })
    guard case .udp(let u) = d.transport else {
        Issue.record("no UDP layer")
        return
    }
    #expect(u.truncated)
    #expect(u.payloadRange.upperBound == 50)
}

@Test func ethernetPaddingIsExcluded() {
    // A 60-byte minimum Ethernet frame: IPv4/UDP with 2 payload bytes, padded with zeros.
    let data = ethernet(payload: ipv4(payload: udp(5000, 6000, payload: [0x41, 0x42])))
    let padded = data + [UInt8](repeating: 0, count: 60 - data.count)
    let d = FrameDecoder().decode(frame(padded))
    #expect(d.payloadRange == 42..<44)
}

@Test func ipv6ExtensionHeadersAreWalked() {
    // IPv6 → hop-by-hop (8) → destination options (16) → routing (8) → UDP.
    let ext = extensionHeader(next: 60) + extensionHeader(next: 43, units: 1) + extensionHeader(next: 17)
    let datagram = udp(10000, 20000, src: v6Src, dst: v6Dst, payload: rtp())
    let d = FrameDecoder().decode(frame(ethernet(type: 0x86DD, payload: ipv6(next: 0, payload: ext + datagram))))
    guard case .ipv6(let ip) = d.network else {
        Issue.record("no IPv6 layer")
        return
    }
    #expect(ip.extensionHeaders == [0, 60, 43])
    #expect(ip.upperProtocol == 17)
    #expect(ip.payloadRange.lowerBound == 14 + 40 + 32)
    #expect(d.classification.kind == .rtp)
    #expect(d.diagnostics.isEmpty)
}

@Test func ipv6ExtensionHeaderChainIsBounded() {
    // A chain of destination-options headers each naming another: longer than the limit.
    let n = IPv6Header.extensionHeaderLimit + 1
    var ext: [UInt8] = []
    for i in 0..<n { ext += extensionHeader(next: i == n - 1 ? 17 : 60) }
    let d = FrameDecoder().decode(frame(ipv6(next: 60, payload: ext + udp(1, 2, src: v6Src, dst: v6Dst, payload: [0])), link: .ipv6))
    #expect(d.diagnostics.map(\.code) == ["ipv6.extension-limit"])
    // At the limit exactly it is accepted.
    var ok: [UInt8] = []
    for i in 0..<(n - 1) { ok += extensionHeader(next: i == n - 2 ? 17 : 60) }
    let d2 = FrameDecoder().decode(frame(ipv6(next: 60, payload: ok + udp(3000, 4000, src: v6Src, dst: v6Dst, payload: [0])), link: .ipv6))
    #expect(d2.diagnostics.isEmpty)
    #expect(d2.source?.port == 3000)
}

@Test func ipv6ExtensionHeaderLengthPastPacket() {
    // A destination-options header claiming 8 × (255 + 1) bytes.
    let ext: [UInt8] = [17, 255, 1, 4, 0, 0, 0, 0]
    let d = FrameDecoder().decode(frame(ipv6(next: 60, payload: ext), link: .ipv6))
    #expect(d.diagnostics.map(\.code) == ["ipv6.extension-length"])
}

@Test func ipv6PayloadLengthPastFrame() {
    let d = FrameDecoder().decode(frame(ipv6(next: 17, payloadLength: 1000, payload: [0, 1, 2, 3]), link: .ipv6))
    #expect(d.diagnostics.map(\.code) == ["ipv6.payload-length"])
}

@Test func udpLengthChecks() {
    let short = FrameDecoder().decode(frame(ipv4(payload: udp(1, 2, length: 7, payload: [1, 2])), link: .ipv4))
    #expect(short.diagnostics.map(\.code) == ["udp.length"])
    let long = FrameDecoder().decode(frame(ipv4(payload: udp(1, 2, length: 30, payload: [1, 2])), link: .ipv4))
    #expect(long.diagnostics.map(\.code) == ["udp.length"])
}

@Test func udpChecksumVerification() {
    var options = FrameDecoder.Options()
    options.verifyUDPChecksums = true
    let good = FrameDecoder(options: options).decode(frame(ipv4UDP, link: .ipv4))
    guard case .udp(let u) = good.transport else {
        Issue.record("no UDP")
        return
    }
    #expect(u.checksumStatus == .good)
    var bad = ipv4UDP
    bad[bad.count - 1] ^= 1
    let b = FrameDecoder(options: options).decode(frame(bad, link: .ipv4))
    #expect(b.diagnostics.map(\.code) == ["udp.checksum"])
    let v6 = FrameDecoder(options: options).decode(frame(ipv6UDP, link: .ipv6))
    guard case .udp(let u6) = v6.transport else {
        Issue.record("no UDP")
        return
    }
    #expect(u6.checksumStatus == .good)
    // Off by default.
    guard case .udp(let off) = FrameDecoder().decode(frame(bad, link: .ipv4)).transport else { return }
    #expect(off.checksumStatus == .unverified)
}

@Test func tcpHeaderParse() {
    let seg = tcp(5060, 40000, seq: 1000, ack: 77, flags: 0x18, payload: Array("OPTIONS sip:a@b SIP/2.0\r\n".utf8))
    let d = FrameDecoder().decode(frame(ipv4(proto: 6, payload: seg), link: .ipv4))
    guard case .tcp(let t) = d.transport else {
        Issue.record("no TCP")
        return
    }
    #expect(t.sequenceNumber == 1000)
    #expect(t.acknowledgmentNumber == 77)
    #expect(t.flags == [.psh, .ack])
    #expect(t.headerLength == 20)
    #expect(d.classification.kind == .sip)
    let badOffset = FrameDecoder().decode(frame(ipv4(proto: 6, payload: tcp(1, 2, seq: 0, dataOffset: 4, payload: [])), link: .ipv4))
    #expect(badOffset.diagnostics.map(\.code) == ["tcp.data-offset"])
}
