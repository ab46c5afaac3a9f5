import Crypto
import Foundation
import Testing

@testable import Transforms

/// Not a timed unit test: a measurement, run only with SRTPDUMP_MEASURE=1, in release:
///
///     SRTPDUMP_MEASURE=1 swift test -c release -Xswiftc -enable-testing --filter MeasurementTests
///
/// ns per packet to unprotect a 172-byte RTP packet (12-byte header, 160-byte payload) with
/// AES_CM_128_HMAC_SHA1_80 and with AEAD_AES_128_GCM, per provider, next to a bare loop over the
/// provider alone in the same run (counter mode over 160 bytes + HMAC over 172 bytes; GCM open over 160
/// bytes with the 12-byte header as AAD). Both loops copy the packet into the working buffer first.
@Suite(
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["SRTPDUMP_MEASURE"] == "1", "set SRTPDUMP_MEASURE=1 to measure"))
struct MeasurementTests {
    static let iterations = 100_000
    static let packets = 1024

    static let rounds = 7

    /// ns per packet of one run of `body`.
    static func once(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try body()
        let d = clock.now - start
        return (Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9) / Double(iterations)
    }

    /// The two loops alternate, `rounds` times each, and the best run of each counts: the machine is shared,
    /// and alternating exposes both to the same disturbances.
    static func compare(_ ours: () throws -> Void, _ bare: () throws -> Void) rethrows -> (Double, Double) {
        var best = (Double.infinity, Double.infinity)
        for _ in 0..<rounds {
            best.0 = min(best.0, try once(ours))
            best.1 = min(best.1, try once(bare))
        }
        return best
    }

    @Test("unprotect vs bare provider loop", arguments: providerNames)
    func measure(_ name: String) throws {
        let p = try provider(name)
        var rng = SeededGenerator(seed: 172)
        let only = ProcessInfo.processInfo.environment["SRTPDUMP_MEASURE_ONLY"]  // e.g. "gcrypt AEAD_AES_128_GCM"
        for suite in [SRTPSuite.aesCM128HMACSHA1_80, .aeadAES128GCM]
        where only == nil || only == "\(name) \(suite.name)" {
            let policy = SRTPPolicy(
                suite: suite, keys: [MasterKey(key: rng.bytes(16), salt: rng.bytes(suite.saltLength))])
            let sender = try SRTPStream(ssrc: 0x1234_5678, policy: policy, provider: p)
            let wires: [[UInt8]] = try (0..<Self.packets).map { i in
                let seq = UInt16(i)
                let packet: [UInt8] =
                    [0x80, 0x00, UInt8(seq >> 8), UInt8(seq & 0xFF), 0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78]
                    + rng.bytes(160)
                return try sender.protectRTP(packet, roc: 0)
            }
            let receiver = try SRTPStream(ssrc: 0x1234_5678, policy: policy, provider: p)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 16)
            defer { buffer.deallocate() }
            var authentic = 0
            let ours = {
                for i in 0..<Self.iterations {
                    let wire = wires[i & (Self.packets - 1)]
                    wire.withUnsafeBytes { buffer.copyMemory(from: $0) }
                    if try receiver.unprotectRTP(buffer, length: wire.count).verdict.isAuthentic { authentic += 1 }
                }
            }

            // The bare loop: the provider's contexts alone, keyed once, re-IV'd per packet.
            let iv = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 16)
            let digest = UnsafeMutableRawBufferPointer.allocate(byteCount: 20, alignment: 16)
            defer {
                iv.deallocate()
                digest.deallocate()
            }
            iv.initializeMemory(as: UInt8.self, repeating: 0)
            let times: (Double, Double)
            if suite.isAEAD {
                let gcm = try p.makeAESGCM(key: rng.bytes(16))
                // 1024 sealed packets with distinct IVs, as many as the unprotect loop cycles through.
                let sealed: [[UInt8]] = try (0..<Self.packets).map { i in
                    var packet = [UInt8](repeating: 0, count: 12) + rng.bytes(160) + [UInt8](repeating: 0, count: 16)
                    iv[10] = UInt8(i >> 8)
                    iv[11] = UInt8(i & 0xFF)
                    try packet.withUnsafeMutableBytes { b in
                        try gcm.seal(
                            iv: UnsafeRawBufferPointer(iv.slice(0..<12)), aad: UnsafeRawBufferPointer(b.slice(0..<12)),
                            data: b.slice(12..<172), tag: b.slice(172..<188))
                    }
                    return packet
                }
                var ok = 0
                times = try Self.compare(ours) {
                    for i in 0..<Self.iterations {
                        let packet = sealed[i & (Self.packets - 1)]
                        packet.withUnsafeBytes { buffer.copyMemory(from: $0) }
                        iv[10] = UInt8((i & (Self.packets - 1)) >> 8)
                        iv[11] = UInt8(i & 0xFF)
                        if try gcm.open(
                            iv: UnsafeRawBufferPointer(iv.slice(0..<12)),
                            aad: UnsafeRawBufferPointer(buffer.slice(0..<12)),
                            data: buffer.slice(12..<172), tag: UnsafeRawBufferPointer(buffer.slice(172..<188)))
                        {
                            ok += 1
                        }
                    }
                }
                #expect(ok == Self.rounds * Self.iterations)
            } else {
                let ctr = try p.makeAESCounterMode(key: rng.bytes(16))
                let mac = try p.makeHMACSHA1(key: rng.bytes(20))
                times = try Self.compare(ours) {
                    for i in 0..<Self.iterations {
                        let wire = wires[i & (Self.packets - 1)]
                        wire.withUnsafeBytes { buffer.copyMemory(from: $0) }
                        iv[13] = UInt8(truncatingIfNeeded: i)
                        try mac.reset()
                        try mac.update(UnsafeRawBufferPointer(buffer.slice(0..<172)))
                        try mac.finalize(into: digest)
                        try ctr.apply(iv: UnsafeRawBufferPointer(iv), to: buffer.slice(12..<172))
                    }
                }
            }
            #expect(authentic == Self.rounds * Self.iterations)
            let (ours_, bare) = times
            let line = String(
                format: "MEASURE %@ %@: unprotect %.0f ns/packet, bare provider loop %.0f ns/packet, ratio %.2f",
                name, suite.name, ours_, bare, ours_ / bare)
            print(line)
        }
    }
}
