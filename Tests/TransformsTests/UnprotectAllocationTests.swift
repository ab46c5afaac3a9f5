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
}
