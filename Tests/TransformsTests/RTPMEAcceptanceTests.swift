import Crypto
import TestSupport
import Testing

@testable import Transforms

/// MS-RTPME has no tag: how often does a wrong key get through `RTPMEAcceptance`? Measured over many
/// random wrong keys against a real stream, with the bounds asserted, plus the stream rules themselves.
struct RTPMEAcceptanceTests {
    /// `count` RTP packets of one stream (PT 0, 12-byte header, 160-byte payload, so 172 bytes padded to
    /// 176), encrypted under `digest` with `reading`.
    static func stream(
        digest: [UInt8], reading: RTPMEKey.Reading, ssrc: UInt32, firstSequence: UInt16, count: Int,
        rng: inout SeededGenerator, provider: any CryptoProvider
    ) throws -> (plain: [[UInt8]], wire: [[UInt8]]) {
        let sender = try RTPMEContext(digest: digest, provider: provider)
        var plain: [[UInt8]] = []
        var wire: [[UInt8]] = []
        for i in 0..<count {
            let seq = firstSequence &+ UInt16(i)
            let ts = UInt32(i) * 160
            var p: [UInt8] = [0x80, 0x00, UInt8(seq >> 8), UInt8(truncatingIfNeeded: seq)]
            p += (0..<4).map { UInt8(truncatingIfNeeded: ts >> (24 - 8 * UInt32($0))) }
            p += (0..<4).map { UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * UInt32($0))) }
            // G.711 payload bytes are rarely 0; keep the last one non-zero so the unpadded length is exact.
            p += rng.bytes(159) + [0xD5]
            var buffer = p + [UInt8](repeating: 0, count: 8)
            let n = try buffer.withUnsafeMutableBytes { try sender.protect($0, length: p.count, reading: reading) }
            plain.append(p)
            wire.append(Array(buffer[0..<n]))
        }
        return (plain, wire)
    }

    @Test("false accepts over 2,000 random wrong keys, 10 packets each", arguments: providerNames)
    func falseAcceptRate(_ name: String) throws {
        let p = try provider(name)
        var rng = SeededGenerator(seed: 0x5254_504D)
        let (_, wire) = try Self.stream(
            digest: rng.bytes(16), reading: .firstEightBytes, ssrc: 0x1234_5678, firstSequence: 40_000, count: 10,
            rng: &rng, provider: p)
        let keys = 2000
        var tentative = 0
        var confirmed = 0
        var keysWithAnyAccept = 0
        for _ in 0..<keys {
            let wrong = try RTPMEContext(digest: rng.bytes(16), provider: p)
            var any = false
            for packet in wire {
                var work = packet
                let r = try work.withUnsafeMutableBytes { try wrong.unprotect($0, length: $0.count, kind: .rtp) }
                if r.accepted { any = true }
                if r.confirmed { confirmed += 1 } else if r.accepted { tentative += 1 }
                // A refused packet is left exactly as it came.
                if !r.accepted { #expect(work == packet) }
            }
            if any { keysWithAnyAccept += 1 }
        }
        let packets = Double(keys * wire.count)
        let rate = Double(tentative) / packets
        // Stage 2: a wrong key confirms a stream only if two of its random decryptions agree on the SSRC
        // (about 2^-32 per pair): none of 2,000 keys may.
        #expect(confirmed == 0)
        // Stage 1, per packet and per reading: version 2 (1/4) × payload type among 56 of 128 × no header
        // extension (1/2; one that fits is rare) × P bit clear or a padding count that fits (~0.8)
        // ≈ 0.044, so ≈ 0.086 with two readings tried. The old first-block rule (version 2 and a payload
        // type outside 72–76) let ≈ 0.24 per reading through. Bound: 0.11 (the binomial deviation over
        // 20,000 packets is ≈ 0.002).
        #expect(rate < 0.11, "tentative accept rate \(rate)")
        #expect(rate > 0.03, "tentative accept rate \(rate): the estimate above is off, look again")
        // What a single packet cannot decide: record it, the stream rule is what protects.
        print(
            "RTPME wrong keys (\(name)): \(tentative) tentative accepts in \(Int(packets)) packets "
                + "(\(rate)), \(confirmed) confirmed; \(keysWithAnyAccept)/\(keys) keys with a tentative accept")
    }

    @Test("the right key: tentative, then confirmed; another SSRC refused, adopted after two", arguments: providerNames)
    func streamRule(_ name: String) throws {
        let p = try provider(name)
        var rng = SeededGenerator(seed: 77)
        let digest = rng.bytes(16)
        for reading in RTPMEKey.Reading.allCases {
            let (plain, wire) = try Self.stream(
                digest: digest, reading: reading, ssrc: 0xAABB_CCDD, firstSequence: 65_530, count: 12, rng: &rng,
                provider: p)
            let (otherPlain, otherWire) = try Self.stream(
                digest: digest, reading: reading, ssrc: 0x0102_0304, firstSequence: 9, count: 3, rng: &rng,
                provider: p)
            let receiver = try RTPMEContext(digest: digest, provider: p)
            func run(_ packet: [UInt8]) throws -> (RTPMEContext.Result, [UInt8]) {
                var work = packet
                let r = try work.withUnsafeMutableBytes { try receiver.unprotect($0, length: $0.count, kind: .rtp) }
                return (r, work)
            }
            // The first packet is tentative, the second (across the sequence wrap) confirms.
            let (r0, out0) = try run(wire[0])
            #expect(r0.accepted && !r0.confirmed)
            #expect(r0.reading == reading)
            #expect(r0.plaintextLength == 172)
            #expect(Array(out0[0..<172]) == plain[0])
            for i in 1..<6 {
                let (r, out) = try run(wire[i])
                #expect(r.confirmed)
                #expect(Array(out[0..<172]) == plain[i])
            }
            #expect(receiver.settled == reading)
            // A packet of another SSRC (same key) is refused and left alone: the stream is confirmed.
            let (rx, outx) = try run(otherWire[0])
            #expect(!rx.accepted)
            #expect(outx == otherWire[0])
            // The stream goes on.
            let (r6, _) = try run(wire[6])
            #expect(r6.confirmed)
            // Two consecutive packets of the new SSRC: the second is adopted (the sender changed SSRC).
            _ = try run(otherWire[1])
            let (ry, outy) = try run(otherWire[2])
            #expect(ry.confirmed)
            #expect(Array(outy[0..<172]) == otherPlain[2])
            // …and the old SSRC is now the stranger.
            #expect(try !run(wire[7]).0.accepted)
        }
    }

    @Test("an unconfirmed first packet is replaced by a later one")
    func replaceUnconfirmed() {
        var a = RTPMEAcceptance()
        #expect(a.decide(reading: .firstEightBytes, ssrc: 1, sequence: 100, kind: .rtp) == .tentative)
        // Same SSRC but the sequence far away: not the same stream yet, so it replaces the first.
        #expect(a.decide(reading: .firstEightBytes, ssrc: 1, sequence: 30_000, kind: .rtp) == .tentative)
        #expect(a.decide(reading: .firstEightBytes, ssrc: 1, sequence: 30_001, kind: .rtp) == .confirmed)
        // Confirmed: the SSRC is enough, whatever the sequence did.
        #expect(a.decide(reading: .firstEightBytes, ssrc: 1, sequence: 5, kind: .rtp) == .confirmed)
        // The other reading with the same SSRC is another identity: refused once confirmed.
        #expect(a.decide(reading: .sevenBytesWithParity, ssrc: 1, sequence: 6, kind: .rtp) == .refused)
    }

    @Test("a packet does not confirm itself, and one reading's chance packet leaves the other's stream")
    func noSelfConfirmation() {
        var a = RTPMEAcceptance()
        #expect(a.decide(reading: .firstEightBytes, ssrc: 7, sequence: 500, kind: .rtp) == .tentative)
        // The same packet again (the decrypt engine offers a held packet twice), or a duplicate.
        #expect(a.decide(reading: .firstEightBytes, ssrc: 7, sequence: 500, kind: .rtp) == .tentative)
        // A chance plausible packet under the other reading has its own slot…
        #expect(a.decide(reading: .sevenBytesWithParity, ssrc: 0xDEAD, sequence: 9, kind: .rtp) == .tentative)
        // …so the stream's next packet still confirms it.
        #expect(a.decide(reading: .firstEightBytes, ssrc: 7, sequence: 501, kind: .rtp) == .confirmed)

        // A confirmed context's challenger is not confirmed by the same packet offered again either.
        #expect(a.decide(reading: .firstEightBytes, ssrc: 99, sequence: 40, kind: .rtp) == .refused)
        #expect(a.decide(reading: .firstEightBytes, ssrc: 99, sequence: 40, kind: .rtp) == .refused)
        #expect(a.decide(reading: .firstEightBytes, ssrc: 7, sequence: 502, kind: .rtp) == .confirmed)
    }

    @Test("one packet's plausibility: RTCP length chain and DES padding, RTP P bit")
    func plausibility() {
        func check(_ bytes: [UInt8], _ kind: RTPMEContext.PacketKind) -> Int? {
            bytes.withUnsafeBytes { RTPMEAcceptance.plausible($0, padded: $0.count, kind: kind, lastRTPLength: nil) }
        }
        // RTCP SR (28 bytes) + 4 zero bytes of DES padding: length 28.
        let sr = Hex.bytes("81c8 0006 cafebabe") + [UInt8](repeating: 0x11, count: 20)
        #expect(check(sr + [0, 0, 0, 0], .rtcp) == 28)
        #expect(check(sr + [0, 0, 0, 1], .rtcp) == nil)  // padding not zero
        #expect(check(Hex.bytes("81c8 0007 cafebabe") + [UInt8](repeating: 0x11, count: 24), .rtcp) == 32)  // exact
        #expect(check(Hex.bytes("81c8 0008 cafebabe") + [UInt8](repeating: 0x11, count: 24), .rtcp) == nil)  // overruns
        #expect(check(Hex.bytes("81c0 0006 cafebabe") + [UInt8](repeating: 0x11, count: 24), .rtcp) == nil)  // PT 192
        // RTP: PT 0 fine, PT 1 (reserved) and 72 not; P bit needs a count that fits.
        let rtp = Hex.bytes("80 00 0001 00000001 00000001") + [UInt8](repeating: 0x55, count: 19) + [4]
        #expect(check(rtp, .rtp) == 32)
        #expect(check(Hex.bytes("80 01") + rtp[2...], .rtp) == nil)
        #expect(check(Hex.bytes("80 48") + rtp[2...], .rtp) == nil)
        #expect(check(Hex.bytes("a0 00") + rtp[2...], .rtp) == 32)  // P, count 4 ≤ 20
        #expect(check(Hex.bytes("a0 00") + rtp[2..<31] + [0xF0], .rtp) == nil)  // P, count 240 > 20
        // An extension that does not fit.
        #expect(check(Hex.bytes("90 00") + rtp[2..<12] + Hex.bytes("bede 0100") + rtp[16...], .rtp) == nil)
    }
}
