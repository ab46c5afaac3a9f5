import Crypto
import MallocCounter
import TestSupport
import Testing

@testable import Transforms

/// Unprotecting a packet allocates nothing, on both providers (issue 3; the house rule "no per-packet
/// allocation on hot paths"). The per-thread interposer of `Tests/MallocCounter` counts every malloc,
/// the C libraries' included; the benchmarks package shows the same with its own counter.
@Suite(.enabled(if: srtpdump_malloc_counter_available() != 0, "needs glibc's malloc interposition (off under AddressSanitizer)"))
struct UnprotectAllocationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var suite: String
        var provider: String
        var testDescription: String { "\(suite) on \(provider)" }
    }
    static let cases = [
        "AES_CM_128_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM",
        "F8_128_HMAC_SHA1_80", "NULL_HMAC_SHA1_80",
    ].flatMap { s in providerNames.map { Case(suite: s, provider: $0) } }

    /// A 172-byte RTP packet (12-byte header, 160-byte payload), as the benchmarks use.
    static let rtp: [UInt8] =
        Hex.bytes("80 08 fde8 00000fa0 deadbeef") + (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 37) }

    @Test("SRTP and SRTCP unprotect: no allocation per packet", arguments: cases)
    func unprotect(_ c: Case) throws {
        let suite = try #require(SRTPSuite.named(c.suite))
        let policy = SRTPStreamTests.policy(suite, seed: 9)
        let p = try provider(c.provider)
        let sender = try SRTPStream(ssrc: 0xDEAD_BEEF, policy: policy, provider: p)
        let receiver = try SRTPStream(ssrc: 0xDEAD_BEEF, policy: policy, provider: p)
        let wire = try sender.protectRTP(Self.rtp, roc: 0)
        let rtcpWire = try sender.protectRTCP(SRTPStreamTests.rtcp, index: 5)

        let work = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 16)
        defer { work.deallocate() }
        var good = 0
        // The first packet grows the scratch buffers; the next 100 (replays: the MAC or tag is still
        // checked and the payload decrypted) must not allocate.
        func once() throws {
            work.copyBytes(from: wire)
            if try receiver.unprotectRTP(work, length: wire.count).plaintextLength == Self.rtp.count { good += 1 }
            work.copyBytes(from: rtcpWire)
            let r = try receiver.unprotectRTCP(work, length: rtcpWire.count)
            if r.plaintextLength == SRTPStreamTests.rtcp.count { good += 1 }
        }
        try once()
        srtpdump_malloc_counter_start()
        for _ in 0..<100 { try once() }
        let count = srtpdump_malloc_counter_stop()
        #expect(good == 202)
        #expect(count == 0)
    }

    /// New packets slide the replay window (a ring held inline: nothing to allocate at any size), and
    /// each tenth jumps 2,000 ahead, past the whole ring.
    @Test("fresh packets sliding the replay window: no allocation per packet", arguments: [64, 128, 1024])
    func slidingWindow(size: Int) throws {
        let suite = try #require(SRTPSuite.named("AES_CM_128_HMAC_SHA1_80"))
        var policy = SRTPStreamTests.policy(suite, seed: 9)
        policy.replayWindowSize = size
        let p = try provider(providerNames[0])
        let sender = try SRTPStream(ssrc: 0xDEAD_BEEF, policy: policy, provider: p)
        let receiver = try SRTPStream(ssrc: 0xDEAD_BEEF, policy: policy, provider: p)
        var sequence = 1000
        var wires: [[UInt8]] = []
        for n in 0..<101 {
            sequence += n % 10 == 9 ? 2_000 : 1
            var packet = Self.rtp
            packet[2] = UInt8(sequence >> 8 & 0xFF)
            packet[3] = UInt8(sequence & 0xFF)
            wires.append(try sender.protectRTP(packet, roc: 0))
        }
        let work = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 16)
        defer { work.deallocate() }
        var fresh = 0
        func unprotect(_ wire: [UInt8]) throws {
            work.copyBytes(from: wire)
            let r = try receiver.unprotectRTP(work, length: wire.count)
            // (A pattern, not `==`: the synthesized `==` of an enum with a payload allocates unoptimised.)
            if case .authenticated = r.verdict, r.plaintextLength == Self.rtp.count { fresh += 1 }
        }
        try unprotect(wires[0])
        srtpdump_malloc_counter_start()
        for i in 1..<wires.count { try unprotect(wires[i]) }
        let count = srtpdump_malloc_counter_stop()
        #expect(fresh == 101)
        // Each was new: the window's highest is the last, and none of them reads as seen before the last.
        #expect(receiver.replay.highest == UInt64(sequence))
        #expect(receiver.replay.size == size)
        #expect(count == 0)
    }
}
