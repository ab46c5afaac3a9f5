import Capture
import Datagrams
import Testing
import TestSupport

/// Valid frames of every shape the decoder knows, to be cut and mangled.
let hostileFixtures: [(name: String, link: LinkType, bytes: [UInt8])] = [
    ("ethernet/ipv4/udp/rtp", .ethernet, ethernet(payload: ipv4UDP)),
    (
        "qinq/ipv4 options/udp", .ethernet,
        ethernet(
            tags: [(0x88A8, 1), (0x8100, 2)],
            payload: ipv4(options: [1, 1, 1, 0], payload: udp(10000, 20000, payload: rtp(csrcs: [9]))))
    ),
    (
        "sll/ipv4/tcp/sip", .linuxSLL,
        sll(payload: ipv4(proto: 6, payload: tcp(5060, 5060, seq: 1, payload: Array("SIP/2.0 200 OK\r\n\r\n".utf8))))
    ),
    (
        "sll2/ipv6 ext/udp/stun", .linuxSLL2,
        sll2(
            payload: ipv6(
                next: 0,
                payload: extensionHeader(next: 60) + extensionHeader(next: 17)
                    + udp(3478, 40000, src: v6Src, dst: v6Dst, payload: stunIPv4Response)))
    ),
    (
        "raw/ipv6 fragment", .raw,
        ipv6(
            next: 44,
            payload: fragmentHeader(next: 17, offset: 0, more: true, id: 7) + [UInt8](repeating: 0xAB, count: 16))
    ),
    ("null/ipv4 fragment", .null, [2, 0, 0, 0] + v4Fragment(0, 24, more: true)),
    ("loop/ipv4/udp/rtcp", .loop, [0, 0, 0, 2] + ipv4(payload: udp(10001, 20001, payload: senderReport + sdes))),
    ("ipv4/udp/turn", .ipv4, ipv4(payload: udp(3478, 50000, payload: channelData(0x4001, rtp())))),
    (
        "ipv6/udp/dtls", .ipv6,
        ipv6(next: 17, payload: udp(50000, 50001, src: v6Src, dst: v6Dst, payload: dtlsRecord(body: clientHelloStart)))
    ),
]

@Test(arguments: hostileFixtures.map(\.name))
func everyPrefixGivesADiagnosticOrTruncation(name: String) throws {
    let fixture = try #require(hostileFixtures.first { $0.name == name })
    let full = fixture.bytes
    // Sanity: the whole frame decodes cleanly.
    let whole = FrameDecoder().decode(frame(full, link: fixture.link))
    #expect(whole.diagnostics.isEmpty, "\(name): \(whole.diagnostics)")
    #expect(!whole.truncated)
    for n in 0..<full.count {
        let prefix = Array(full.prefix(n))
        // Cut by the snap length: the wire had the whole frame.
        let snapped = FrameDecoder().decode(frame(prefix, link: fixture.link, originalLength: full.count))
        #expect(snapped.truncated, "\(name) prefix \(n) snapped")
        // Cut on the wire: the frame really was this short.
        let short = FrameDecoder().decode(frame(prefix, link: fixture.link))
        let flagged = !short.diagnostics.isEmpty || short.truncated || short.heldFragment
        #expect(flagged, "\(name) prefix \(n): no diagnostic for a short frame")
        #expect(short.diagnostics.allSatisfy { $0.frame == 1 })
    }
}

@Test func mangledFramesDoNotCrash() {
    var rng = SeededGenerator(seed: 2026)
    let decoder = FrameDecoder()
    var count = 0
    for round in 0..<3000 {
        let fixture = hostileFixtures[round % hostileFixtures.count]
        var bytes = fixture.bytes
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[i] = UInt8.random(in: 0...255, using: &rng)
        }
        if Bool.random(using: &rng) { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
        let f = Frame(
            number: round + 1, timestamp: Timestamp(seconds: Int64(round), nanoseconds: 0),
            originalLength: Int.random(in: 0...2000, using: &rng), linkType: fixture.link, data: bytes)
        let d = decoder.decode(f)
        if let p = d.payload(in: f) {
            // Run every media parser over whatever came out.
            _ = try? RTPHeader.parse(p).extension?.elements(in: p)
            _ = try? RTCPCompound.parse(p)
            if let m = try? STUNMessage.parse(p), let attrs = try? m.attributes(in: p) {
                for a in attrs { _ = m.xorAddress(a, in: p) }
            }
            _ = try? TURNChannelData.parse(p)
            _ = try? DTLSRecord.parse(p)
        }
        count += 1
    }
    _ = decoder.finish()
    #expect(count == 3000)
}

@Test func mediaParsersOnEveryPrefix() {
    let samples: [[UInt8]] = [
        rtp(csrcs: [1, 2], padding: 4, extensionProfile: 0xBEDE, extensionData: hex("11 aabb 00 23 01020304 000000")),
        senderReport + sdes + bye + app + xr, stunIPv4Response, stunSendIndication, channelData(0x4001, rtp()),
        dtlsRecord(body: clientHelloStart),
    ]
    for s in samples {
        for n in 0..<s.count {
            let p = Array(s.prefix(n))[...]
            _ = try? RTPHeader.parse(p).extension?.elements(in: p)
            _ = try? RTCPCompound.parse(p)
            if let m = try? STUNMessage.parse(p) { _ = try? m.attributes(in: p) }
            _ = try? TURNChannelData.parse(p)
            _ = try? DTLSRecord.parse(p)
            _ = PayloadClassifier.classify(p)
        }
    }
    // A slice that does not start at index 0 (as payloads in frames never do).
    let framed = [UInt8](repeating: 0, count: 7) + rtp(csrcs: [5])
    #expect((try? RTPHeader.parse(framed[7...]))?.csrcs(in: framed[7...]) == [5])
}
