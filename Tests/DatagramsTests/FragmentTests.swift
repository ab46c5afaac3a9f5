import Capture
import Testing
import Datagrams

/// A 64-byte UDP payload (RTP header + 52 payload bytes), and the 72-byte UDP datagram around it,
/// split into IPv4 fragments of 24 bytes (fragment offsets 0, 24, 48).
let bigPayload = rtp(payload: (0..<52).map { UInt8($0) })
let bigUDP = udp(10000, 20000, payload: bigPayload)

func v4Fragment(_ offset: Int, _ length: Int, more: Bool, data: [UInt8] = bigUDP, id: Int = 0x4242) -> [UInt8] {
    ipv4(id: id, moreFragments: more, fragmentOffset: offset, payload: Array(data[offset..<(offset + length)]))
}

func decodeAll(_ decoder: FrameDecoder, _ packets: [[UInt8]], link: LinkType = .ipv4, startSecond: Int64 = 100) -> [DecodedFrame] {
    packets.enumerated().map { i, p in
        decoder.decode(frame(p, link: link, number: i + 1, seconds: startSecond + Int64(i)))
    }
}

@Test func ipv4FragmentsInOrder() throws {
    let d = decodeAll(FrameDecoder(), [v4Fragment(0, 24, more: true), v4Fragment(24, 24, more: true), v4Fragment(48, 24, more: false)])
    #expect(d[0].reassembled == nil && d[0].heldFragment)
    #expect(d[1].reassembled == nil)
    let r = try #require(d[2].reassembled)
    #expect(r.bytes == bigUDP)
    #expect(r.frames == [1, 2, 3])
    #expect(d[2].payloadSource == .reassembled)
    #expect(d[2].classification.kind == .rtp)
    #expect(d[2].payload(in: frame([]))?.elementsEqual(bigPayload) == true)
    #expect(d.allSatisfy { $0.diagnostics.isEmpty })
}

@Test func ipv4FragmentsOutOfOrder() throws {
    let d = decodeAll(FrameDecoder(), [v4Fragment(48, 24, more: false), v4Fragment(0, 24, more: true), v4Fragment(24, 24, more: true)])
    let r = try #require(d[2].reassembled)
    #expect(r.bytes == bigUDP)
    #expect(r.frames == [1, 2, 3])
    #expect(d[2].source?.port == 10000)
}

@Test func overlappingIdenticalFragmentsAreAccepted() throws {
    // 0..<32, then 16..<48 (16 bytes overlap, same data), then 48..<72.
    let d = decodeAll(FrameDecoder(), [v4Fragment(0, 32, more: true), v4Fragment(16, 32, more: true), v4Fragment(48, 24, more: false)])
    let r = try #require(d[2].reassembled)
    #expect(r.bytes == bigUDP)
    #expect(d.allSatisfy { $0.diagnostics.isEmpty })
}

@Test func overlappingConflictingFragmentsAreReported() throws {
    var altered = bigUDP
    altered[20] ^= 0xFF  // differs inside the overlap 16..<32
    let d = decodeAll(FrameDecoder(), [
        v4Fragment(0, 32, more: true), v4Fragment(16, 32, more: true, data: altered), v4Fragment(48, 24, more: false),
    ])
    #expect(d[1].diagnostics.map(\.code) == ["fragment.overlap-conflict"])
    #expect(d[1].diagnostics.first?.frame == 2)
    #expect(d[1].diagnostics.first?.message.contains("frames 1") == true)
    // The first-received bytes are kept.
    let r = try #require(d[2].reassembled)
    #expect(r.bytes == bigUDP)
}

@Test func missingFragmentExpires() {
    let decoder = FrameDecoder()
    // Frames 1 and 3 of 3; the middle one never arrives. 61 s later an unrelated frame triggers expiry.
    _ = decoder.decode(frame(v4Fragment(0, 24, more: true), link: .ipv4, number: 1, seconds: 100))
    _ = decoder.decode(frame(v4Fragment(48, 24, more: false), link: .ipv4, number: 3, seconds: 101))
    let early = decoder.decode(frame(ipv4UDP, link: .ipv4, number: 4, seconds: 150))
    #expect(early.diagnostics.isEmpty)
    let late = decoder.decode(frame(ipv4UDP, link: .ipv4, number: 5, seconds: 161))
    #expect(late.diagnostics.map(\.code) == ["fragment.expired"])
    #expect(late.diagnostics.first?.frame == 1)
    #expect(late.diagnostics.first?.message.contains("frames 1, 3") == true)
    #expect(late.diagnostics.first?.message.contains("24..<48") == true)
    #expect(decoder.fragments.inProgress == 0)
}

@Test func incompleteAtEndOfCapture() {
    let decoder = FrameDecoder()
    _ = decoder.decode(frame(v4Fragment(0, 24, more: true), link: .ipv4, number: 7))
    let end = decoder.finish()
    #expect(end.diagnostics.map(\.code) == ["fragment.incomplete"])
    #expect(end.diagnostics.first?.frame == 7)
}

@Test func datagramSizeLimit() {
    // Offset 65528 + 16 bytes = 65544 > 65535.
    let f = ipv4(moreFragments: false, fragmentOffset: 65528, payload: [UInt8](repeating: 1, count: 16))
    let d = FrameDecoder().decode(frame(f, link: .ipv4))
    #expect(d.diagnostics.map(\.code) == ["fragment.too-large"])
}

@Test func fragmentCountLimitEvictsOldest() {
    var options = FrameDecoder.Options()
    options.fragmentLimits.maxFragmentsHeld = 2
    let decoder = FrameDecoder(options: options)
    // Three different datagrams each with one first fragment held: the third evicts the first.
    _ = decoder.decode(frame(v4Fragment(0, 24, more: true, id: 1), link: .ipv4, number: 1, seconds: 1))
    _ = decoder.decode(frame(v4Fragment(0, 24, more: true, id: 2), link: .ipv4, number: 2, seconds: 2))
    let third = decoder.decode(frame(v4Fragment(0, 24, more: true, id: 3), link: .ipv4, number: 3, seconds: 3))
    #expect(third.diagnostics.map(\.code) == ["fragment.evicted"])
    #expect(third.diagnostics.first?.message.contains("id 1") == true)
    #expect(decoder.fragments.fragmentsHeld == 2)
}

@Test func byteLimitEvicts() {
    var options = FrameDecoder.Options()
    options.fragmentLimits.maxBytesHeld = 40
    let decoder = FrameDecoder(options: options)
    _ = decoder.decode(frame(v4Fragment(0, 32, more: true, id: 1), link: .ipv4, number: 1, seconds: 1))
    let second = decoder.decode(frame(v4Fragment(0, 32, more: true, id: 2), link: .ipv4, number: 2, seconds: 2))
    #expect(second.diagnostics.map(\.code) == ["fragment.evicted"])
    #expect(decoder.fragments.bytesHeld <= 40)
}

@Test func ipv6FragmentsWithDestinationOptionsAfter() throws {
    // The fragmentable part is a destination-options header (8 bytes) then the UDP datagram: 80 bytes,
    // sent as 40 + 40 (both multiples of 8). Fragment header: next header 60, id 0x01020304.
    let datagram = udp(10000, 20000, src: v6Src, dst: v6Dst, payload: bigPayload)
    let fragmentable = extensionHeader(next: 17) + datagram
    #expect(fragmentable.count == 80)
    let f1 = ipv6(next: 44, payload: fragmentHeader(next: 60, offset: 0, more: true, id: 0x0102_0304) + Array(fragmentable[0..<40]))
    let f2 = ipv6(next: 44, payload: fragmentHeader(next: 60, offset: 40, more: false, id: 0x0102_0304) + Array(fragmentable[40...]))
    // Second fragment first (out of order).
    let d = decodeAll(FrameDecoder(), [f2, f1], link: .ipv6)
    #expect(d[0].reassembled == nil)
    let r = try #require(d[1].reassembled)
    #expect(r.bytes == fragmentable)
    #expect(r.frames == [1, 2])
    guard case .ipv6(let ip) = d[1].network else {
        Issue.record("no IPv6")
        return
    }
    #expect(ip.extensionHeaders == [44, 60])
    #expect(d[1].source?.description == "[2001:db8::1]:10000")
    #expect(d[1].classification.kind == .rtp)
}
