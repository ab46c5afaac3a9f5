// The decoder's fast path writes each layer in place into a reused DecodedFrame, checks the IPv4 header
// checksum in 32-bit words and asks RTP validity without building the header. These tests hold each
// shortcut to the slower form it replaces: a fresh decode, the 16-bit RFC 1071 sum of the fixtures
// (Fixtures.swift's own implementation), and RTPHeader.parse.
import Capture
import Testing

@testable import Datagrams

/// A small deterministic generator (SplitMix64), so failures reproduce.
private struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
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
    ]
    let reusing = FrameDecoder()
    let fresh = FrameDecoder()
    var out = DecodedFrame(frameNumber: 0)
    for f in frames {
        reusing.decode(f, into: &out)
        let expected = fresh.decode(f)
        #expect(summary(out) == summary(expected), "frame \(f.number)")
        #expect(out.frameNumber == f.number)
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
    var g = SplitMix(state: 7)
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
    var g = SplitMix(state: 42)
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
    var g = SplitMix(state: 3)
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
