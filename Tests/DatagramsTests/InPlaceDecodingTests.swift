// The decoder's fast path writes each layer in place into a reused DecodedFrame, checks the IPv4 header
// checksum in 32-bit words and asks RTP validity without building the header. These tests hold each
// shortcut to the slower form it replaces: a fresh decode, the 16-bit RFC 1071 sum of the fixtures
// (Fixtures.swift's own implementation), and RTPHeader.parse.
import Capture
import TestSupport
import Testing

@testable import Datagrams

/// TestSupport's SplitMix64 generator, with the two draws these tests use.
extension SeededGenerator {
    fileprivate mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    fileprivate mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// The layers of a decoded frame as comparable text (DecodedFrame itself is not Equatable).
private func summary(_ d: DecodedFrame) -> String {
    "\(String(describing: d.link)) | \(String(describing: d.network)) | \(String(describing: d.transport)) | "
        + "\(String(describing: d.payloadRange)) | \(d.payloadSource) | \(d.classification) | "
        + "\(d.diagnostics.map(\.code)) | \(d.truncated) | \(d.heldFragment) | \(d.tcpEvents.count) | "
        + "\(String(describing: d.source)) | \(String(describing: d.destination))"
}

@Test func reusedDecodedFrameEqualsAFreshDecodeFrameAfterFrame() {
    // Frames of every shape the slots hold, in an order where each leaves layers the next lacks.
    let frames: [Frame] = [
        udpFrame(rtp(), number: 1),
        frame(ethernet(type: 0x86DD, payload: ipv6(next: 17, payload: udp(10000, 20000, payload: rtp()))), number: 2),
        frame(ethernet(type: 0x0806, payload: [UInt8](repeating: 0, count: 28)), number: 3),  // ARP: link only
        frame(ethernet(payload: ipv4(proto: 1, payload: [8, 0, 0, 0])), number: 4),  // ICMP: transport .other
        frame(ethernet(payload: ipv4(proto: 6, payload: tcp(5060, 5060, seq: 1, payload: Array("x".utf8)))), number: 5),
        frame(
            sll2(type: 0x0800, payload: ipv4(payload: udp(10000, 20000, payload: rtp()))), link: .linuxSLL2, number: 6),
        frame([0x45, 0x00], link: .raw, number: 7),  // truncated IPv4: link only, with a diagnostic
        frame(ethernet(tags: [(0x8100, 42)], payload: ipv4(payload: udp(5000, 6000, payload: rtp()))), number: 8),
        udpFrame(rtp(), number: 9),
        // Third round: every link kind after one that set other optional fields, and IPv4 headers that
        // differ in each field the header words hold.
        frame(sll(packetType: 3, payload: ipv4(payload: udp(10000, 20000, payload: rtp()))), link: .linuxSLL, number: 10),
        frame([2, 0, 0, 0] + ipv4(payload: udp(10000, 20000, payload: rtp())), link: .null, number: 11),
        frame(ipv4(payload: udp(10000, 20000, payload: rtp())), link: .raw, number: 12),
        frame([0, 0, 0, 2] + ipv4(ttl: 3, payload: udp(10000, 20000, payload: rtp())), link: .loop, number: 13),
        frame(
            sll2(type: 0x0800, ifindex: 9, payload: ipv4(options: [1, 1, 1, 0], payload: udp(1, 2, payload: [1]))),
            link: .linuxSLL2, number: 14),
        frame(
            ethernet(
                tags: [(0x88A8, 7), (0x8100, 8)],
                payload: ipv4(src: v4("192.0.2.1"), dst: v4("198.51.100.2"), id: 0xBEEF, dontFragment: true,
                    payload: udp(10000, 20000, payload: rtp()))), number: 15),
        frame(ethernet(payload: ipv4(moreFragments: true, payload: udp(10000, 20000, payload: rtp()))), number: 16),
        frame(ethernet(payload: ipv4(totalLength: 19, payload: [])), number: 17),  // bad total length: IPv4 error
        frame(ethernet(payload: ipv4(payload: udp(10000, 20000, payload: rtp()))), number: 18),
        frame(ethernet(type: 0x86DD, payload: [0x60]), number: 19),  // truncated IPv6
        frame([0x45] + [UInt8](repeating: 0, count: 10), link: .ipv4, number: 20),
    ]
    let reusing = FrameDecoder()
    let fresh = FrameDecoder()
    var out = DecodedFrame(frameNumber: 0)
    for f in frames {
        reusing.decode(f, into: &out)
        let expected = fresh.decode(f)
        #expect(summary(out) == summary(expected), "frame \(f.number)")
        #expect(out.frameNumber == f.number)
        // The headers' own equality and hashing, which look through the presence mask and the words.
        #expect(out.link == expected.link, "frame \(f.number)")
        #expect(out.link.map(\.hashValue) == expected.link.map(\.hashValue), "frame \(f.number)")
        #expect(out.ipv4 == expected.ipv4, "frame \(f.number)")
        #expect(out.ipv4.map(\.hashValue) == expected.ipv4.map(\.hashValue), "frame \(f.number)")
    }
}

/// Every optional field of a link header, read one by one (not through the header's own `==`).
private func linkFields(_ l: LinkLayer?) -> String {
    guard let l else { return "none" }
    return "\(l.kind) \(String(describing: l.source)) \(String(describing: l.destination)) \(l.vlans.ids) "
        + "\(String(describing: l.etherType)) \(String(describing: l.sllPacketType)) "
        + "\(String(describing: l.sllHardwareType)) \(String(describing: l.sllAddress)) "
        + "\(String(describing: l.sllAddressLength)) \(String(describing: l.sllInterfaceIndex)) "
        + "\(String(describing: l.addressFamily)) \(l.payload) \(l.payloadOffset)"
}

@Test func linkHeaderRewrittenInPlaceShowsNoEarlierField() {
    // Each link kind after each other one, into one slot: the fields read one by one equal those of a
    // fresh parse, and so do `==` and the hash (which must ignore the values behind the mask).
    let payload = ipv4(payload: udp(10000, 20000, payload: rtp()))
    let cases: [(LinkType, [UInt8])] = [
        (.ethernet, ethernet(payload: payload)),
        (.linuxSLL, sll(packetType: 4, payload: payload)),
        (.linuxSLL2, sll2(type: 0x0800, ifindex: 77, payload: payload)),
        (.null, [2, 0, 0, 0] + payload),
        (.loop, [0, 0, 0, 2] + payload),
        (.raw, payload),
        (.ipv4, payload),
        (.ethernet, ethernet(tags: [(0x8100, 5)], payload: payload)),
    ]
    var checked = 0
    for (firstType, firstBytes) in cases {
        for (secondType, secondBytes) in cases {
            var slot = LinkLayer(kind: .ethernet, payload: .other(0), payloadOffset: 0)
            let first = firstBytes.withUnsafeBytes { raw in
                Result { () throws(ParseError) in
                    try LinkLayer.parse(source: ByteView(raw), linkType: firstType, into: &slot)
                }
            }
            let second = secondBytes.withUnsafeBytes { raw in
                Result { () throws(ParseError) in
                    try LinkLayer.parse(source: ByteView(raw), linkType: secondType, into: &slot)
                }
            }
            guard (try? first.get()) != nil, (try? second.get()) != nil,
                let fresh = try? LinkLayer.parse(secondBytes[...], linkType: secondType)
            else {
                Issue.record("\(firstType) then \(secondType) did not parse")
                continue
            }
            #expect(linkFields(slot) == linkFields(fresh), "\(firstType) then \(secondType)")
            #expect(slot == fresh && slot.hashValue == fresh.hashValue, "\(firstType) then \(secondType)")
            #expect(slot.description == fresh.description)
            checked += 1
        }
    }
    #expect(checked == cases.count * cases.count)
}

@Test func linkOptionalSettersRoundTrip() {
    var l = LinkLayer(kind: .ethernet, payload: .ipv4, payloadOffset: 14)
    let blank = l
    l.source = MACAddress(0x0011_2233_4455)
    l.sllAddress = 42
    l.addressFamily = 2
    #expect(l.source?.value == 0x0011_2233_4455 && l.sllAddress == 42 && l.addressFamily == 2)
    #expect(l != blank)
    l.source = nil
    l.sllAddress = nil
    l.addressFamily = nil
    // The stored values are still there behind the mask, but nothing shows them.
    #expect(l == blank && l.hashValue == blank.hashValue && l.description == blank.description)
    #expect(l.source == nil && l.sllAddress == nil && l.addressFamily == nil)
}

@Test func ipv4FieldsAreTheHeaderBytes() {
    // The header's fields are views of its words: each equals the field read from the bytes by the
    // test itself (RFC 791 §3.1 layout), on random headers.
    var g = SeededGenerator(seed: 11)
    for _ in 0..<2000 {
        let ihl = 5 + g.below(3)
        var h = (0..<(ihl * 4)).map { _ in g.byte() }
        h[0] = 0x40 | UInt8(ihl)
        h[2] = 0
        h[3] = UInt8(ihl * 4)
        let b = { (i: Int) in Int(h[i]) }
        guard let ip = try? IPv4Header.parse(h[...]) else {
            Issue.record("header \(h) did not parse")
            continue
        }
        #expect(ip.headerLength == ihl * 4)
        #expect(ip.typeOfService == h[1])
        #expect(ip.totalLength == b(2) << 8 | b(3))
        #expect(Int(ip.identification) == b(4) << 8 | b(5))
        #expect(ip.dontFragment == (h[6] & 0x40 != 0))
        #expect(ip.moreFragments == (h[6] & 0x20 != 0))
        #expect(ip.fragmentOffset == ((b(6) & 0x1F) << 8 | b(7)) * 8)
        #expect(ip.isFragment == (ip.moreFragments || ip.fragmentOffset != 0))
        #expect(ip.ttl == h[8])
        #expect(ip.protocolNumber == h[9])
        #expect(Int(ip.checksum) == b(10) << 8 | b(11))
        #expect(ip.source.description == "\(h[12]).\(h[13]).\(h[14]).\(h[15])")
        #expect(ip.destination.description == "\(h[16]).\(h[17]).\(h[18]).\(h[19])")
        #expect(ip.optionsRange == 20..<(ihl * 4))
        #expect(ip.payloadRange == (ihl * 4)..<(ihl * 4))
        #expect(ip.declaredPayloadLength == 0)
        #expect(ip.checksumValid == (internetChecksum(h) == 0))
    }
}

@Test func ipv4SettersWriteOneFieldEach() {
    let bytes = ipv4(
        src: v4("10.1.2.3"), dst: v4("10.4.5.6"), proto: 17, id: 0x1234, dontFragment: true, ttl: 9,
        payload: [1, 2, 3])
    guard let original = try? IPv4Header.parse(bytes[...]) else {
        Issue.record("fixture did not parse")
        return
    }
    // Each setter changes its own field and leaves every other field as it was.
    let edits: [(String, (inout IPv4Header) -> Void)] = [
        ("source", { $0.source = IPAddress(v4: 0xC000_0201) }),
        ("destination", { $0.destination = IPAddress(v4: 0xC633_6402) }),
        ("headerLength", { $0.headerLength = 24 }),
        ("typeOfService", { $0.typeOfService = 0xB8 }),
        ("totalLength", { $0.totalLength = 1500 }),
        ("identification", { $0.identification = 0xFFFF }),
        ("dontFragment", { $0.dontFragment = false }),
        ("moreFragments", { $0.moreFragments = true }),
        ("fragmentOffset", { $0.fragmentOffset = 1480 }),
        ("ttl", { $0.ttl = 255 }),
        ("protocolNumber", { $0.protocolNumber = 6 }),
        ("checksum", { $0.checksum = 0xABCD }),
    ]
    func fields(_ h: IPv4Header) -> [String: String] {
        [
            "source": "\(h.source)", "destination": "\(h.destination)", "headerLength": "\(h.headerLength)",
            "typeOfService": "\(h.typeOfService)", "totalLength": "\(h.totalLength)",
            "identification": "\(h.identification)", "dontFragment": "\(h.dontFragment)",
            "moreFragments": "\(h.moreFragments)", "fragmentOffset": "\(h.fragmentOffset)", "ttl": "\(h.ttl)",
            "protocolNumber": "\(h.protocolNumber)", "checksum": "\(h.checksum)",
        ]
    }
    let before = fields(original)
    let expectedAfter: [String: String] = [
        "source": "192.0.2.1", "destination": "198.51.100.2", "headerLength": "24", "typeOfService": "184",
        "totalLength": "1500", "identification": "65535", "dontFragment": "false", "moreFragments": "true",
        "fragmentOffset": "1480", "ttl": "255", "protocolNumber": "6", "checksum": "43981",
    ]
    for (name, edit) in edits {
        var h = original
        edit(&h)
        var after = fields(h)
        #expect(after[name] == expectedAfter[name], "\(name)")
        #expect(after[name] != before[name], "\(name)")
        after[name] = before[name]
        #expect(after == before, "setting \(name) changed another field")
        #expect(h != original)
    }
}

@Test func layerSettersAndGettersRoundTrip() {
    let d0 = FrameDecoder().decode(udpFrame(rtp()))
    var d = DecodedFrame(frameNumber: 1)
    #expect(d.link == nil && d.network == nil && d.transport == nil && d.payloadRange == nil)
    d.link = d0.link
    d.network = d0.network
    d.transport = d0.transport
    d.payloadRange = d0.payloadRange
    #expect(summary(d).hasPrefix(summary(d0).split(separator: "|").prefix(4).joined(separator: "|")))
    #expect(d.ipv4 != nil && d.udp?.destinationPort == 20000)
    #expect(d.source?.description == "10.0.0.1:10000")
    d.transport = .other(1)
    #expect(d.udp == nil && d.source == nil)
    d.network = nil
    #expect(d.ipv4 == nil && d.addresses == nil)
    d.link = nil
    d.payloadRange = nil
    #expect(d.link == nil && d.payloadRange == nil)
}

@Test func ipv4ChecksumInWordsAgreesWithTheSixteenBitSum() {
    var g = SeededGenerator(seed: 7)
    var valid = 0
    for round in 0..<2000 {
        let ihl = 5 + g.below(11)
        var h = (0..<(ihl * 4)).map { _ in g.byte() }
        h[0] = 0x40 | UInt8(ihl)
        h[2] = 0
        h[3] = UInt8(ihl * 4)
        if round % 2 == 0 {
            // Half of them made valid by the fixture's own checksum.
            h[10] = 0
            h[11] = 0
            let c = internetChecksum(h)
            h[10] = UInt8(c >> 8)
            h[11] = UInt8(c & 0xFF)
        }
        let expected = internetChecksum(h) == 0
        guard let ip = try? IPv4Header.parse(h[...]) else {
            Issue.record("header \(h) did not parse")
            continue
        }
        #expect(ip.checksumValid == expected, "header \(h)")
        if expected { valid += 1 }
    }
    #expect(valid >= 1000)
}

@Test func rtpValidityShortcutAgreesWithParse() {
    var g = SeededGenerator(seed: 42)
    var validCount = 0
    for _ in 0..<20000 {
        let n = g.below(64)
        var p = (0..<n).map { _ in g.byte() }
        // Mostly version 2 with small CSRC counts, so that the extension and padding checks are reached.
        if n > 0, g.below(4) != 0 { p[0] = 0x80 | (p[0] & 0x3F) & ~(g.below(2) == 0 ? 0x0C : 0) }
        if n > 15, g.below(2) == 0 { p[14] = 0 }  // short extensions
        let slice = p[...]
        let parses = (try? RTPHeader.parse(slice)) != nil
        #expect(RTPHeader.isValid(slice) == parses, "bytes \(p)")
        if parses { validCount += 1 }
    }
    #expect(validCount > 1000)
}

@Test func internetChecksumInWordsAgreesWithTheSixteenBitSum() {
    var g = SeededGenerator(seed: 3)
    for n in 0..<300 {
        var bytes = (0..<n).map { _ in g.byte() }
        if n % 7 == 0 { bytes = [UInt8](repeating: 0xFF, count: n) }  // sums that fold to all ones
        let words = bytes.withUnsafeBytes { InternetChecksum.finish(InternetChecksum.sum($0)) }
        #expect(Int(words) == internetChecksum(bytes), "\(n) bytes")
        // Pieces of even length summed separately, as the rewriter does for the pseudo-header.
        let cut = min(n, 2 * g.below(n / 2 + 1))
        let pieces = bytes.withUnsafeBytes { p in
            InternetChecksum.sum(
                UnsafeRawBufferPointer(rebasing: p[cut...]),
                initial: InternetChecksum.sum(UnsafeRawBufferPointer(rebasing: p[..<cut])))
        }
        #expect(Int(InternetChecksum.finish(pieces)) == internetChecksum(bytes), "\(n) bytes cut at \(cut)")
    }
}
