import Crypto
import Testing

@testable import Transforms
import TestSupport

/// Round trips and failure reasons of the SRTP/SRTCP stream for every suite, session parameters, MKIs
/// and lifetimes, cryptex layouts libsrtp 3 did not cover, and hostile input.
struct SRTPStreamTests {
    static func policy(_ suite: SRTPSuite, mki: Int = 0, keys: Int = 1, seed: UInt64 = 1, lifetime: UInt64? = nil)
        -> SRTPPolicy
    {
        var rng = SeededGenerator(seed: seed)
        return SRTPPolicy(
            suite: suite,
            keys: (0..<keys).map { i in
                MasterKey(
                    key: rng.bytes(suite.keyLength), salt: rng.bytes(suite.saltLength),
                    mki: (0..<mki).map { UInt8(i + $0 + 1) }, lifetime: lifetime)
            })
    }

    static let rtp: [UInt8] = Hex.bytes("80 60 0102 00000010 0000abcd") + Array(0..<64)
    static let rtcp: [UInt8] = Hex.bytes("81c8 0006 0000abcd") + Array(repeating: 0x42, count: 20)

    struct Combination: Sendable, CustomTestStringConvertible {
        var suite: String
        var provider: String
        var testDescription: String { "\(suite) on \(provider)" }
    }
    static let combinations = SRTPSuite.all.flatMap { s in
        providerNames.map { Combination(suite: s.name, provider: $0) }
    }

    @Test("every suite round-trips RTP and RTCP; a flipped bit fails", arguments: combinations)
    func roundTrip(_ c: Combination) throws {
        let suite = try #require(SRTPSuite.named(c.suite))
        let policy = Self.policy(suite, mki: 2, keys: 2)
        let p = try provider(c.provider)
        let sender = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let receiver = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let wire = try sender.protectRTP(Self.rtp, roc: 3, keyIndex: 1)
        #expect(wire.count == Self.rtp.count + 2 + suite.rtpTagLength)
        if suite.cipher != .null { #expect(Array(wire[12..<76]) != Array(Self.rtp[12...])) }
        let fresh = try SRTPStream(
            ssrc: 0xABCD, policy: SRTPPolicy(suite: suite, keys: policy.keys, initialROC: 3), provider: p)
        let (r, out) = try fresh.unprotectRTP(wire)
        #expect(r.verdict == .authenticated)
        #expect(r.keyIndex == 1)
        #expect(out == Self.rtp)
        var bad = wire
        bad[30] ^= 0x10
        #expect(try receiver.unprotectRTP(bad).0.verdict == .failed(.tagMismatch))

        let rtcpWire = try sender.protectRTCP(Self.rtcp, index: 77, keyIndex: 0)
        #expect(rtcpWire.count == Self.rtcp.count + 4 + 2 + suite.rtcpTagLength)
        let (rr, rout) = try receiver.unprotectRTCP(rtcpWire)
        #expect(rr.verdict == .authenticated)
        #expect(rr.index == 77)
        #expect(rr.encrypted == (suite.cipher != .null))
        #expect(rout == Self.rtcp)
        #expect(try receiver.unprotectRTCP(rtcpWire).0.verdict == .replayed)
    }

    @Test("failure reasons: too short, unknown MKI, tag mismatch; plaintext on request", arguments: providerNames)
    func failures(_ name: String) throws {
        let policy = Self.policy(.aesCM128HMACSHA1_80, mki: 1, keys: 2)
        let p = try provider(name)
        let sender = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let receiver = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let wire = try sender.protectRTP(Self.rtp, roc: 0)
        #expect(try receiver.unprotectRTP(Array(wire[0..<11])).0.verdict == .failed(.tooShort))
        #expect(try receiver.unprotectRTP(Array(wire[0..<22])).0.verdict != .authenticated)
        var unknown = wire
        unknown[wire.count - 11] = 0x77
        #expect(try receiver.unprotectRTP(unknown).0.verdict == .failed(.unknownMKI))
        var bad = wire
        bad[40] ^= 1
        let (r, out) = try receiver.unprotectRTP(bad)
        #expect(r.verdict == .failed(.tagMismatch))
        #expect(out == nil)
        let (r2, out2) = try receiver.unprotectRTP(bad, options: UnprotectOptions(plaintextOnFailure: true))
        #expect(r2.verdict == .failed(.tagMismatch))
        var expected = Self.rtp
        expected[40] ^= 1
        #expect(out2 == expected)  // counter mode: the flipped ciphertext bit flips the same plaintext bit
        #expect(try receiver.unprotectRTCP(Array(Self.rtcp[0..<10])).0.verdict == .failed(.tooShort))
    }

    @Test("GCM: a failed tag leaves the buffer as it was; plaintext on request", arguments: providerNames)
    func gcmFailure(_ name: String) throws {
        let policy = Self.policy(.aeadAES256GCM)
        let p = try provider(name)
        let sender = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let receiver = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        var bad = try sender.protectRTP(Self.rtp, roc: 0)
        bad[bad.count - 1] ^= 1  // the tag
        var buffer = bad
        let r = try buffer.withUnsafeMutableBytes { try receiver.unprotectRTP($0, length: bad.count) }
        #expect(r.verdict == .failed(.tagMismatch))
        #expect(buffer == bad)
        let (_, out) = try receiver.unprotectRTP(bad, options: UnprotectOptions(plaintextOnFailure: true))
        #expect(out == Self.rtp)
    }

    @Test("session parameters: UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP", arguments: providerNames)
    func sessionParameters(_ name: String) throws {
        var policy = Self.policy(.aesCM128HMACSHA1_80)
        policy.sessionParameters = SessionParameters(encryptRTP: false, encryptRTCP: false, authenticateRTP: false)
        let p = try provider(name)
        let sender = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let receiver = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let wire = try sender.protectRTP(Self.rtp, roc: 0)
        #expect(wire == Self.rtp)  // neither encrypted nor tagged
        #expect(try receiver.unprotectRTP(wire).1 == Self.rtp)
        let rtcpWire = try sender.protectRTCP(Self.rtcp, index: 5)
        #expect(Array(rtcpWire[0..<Self.rtcp.count]) == Self.rtcp)  // E = 0: clear, but still tagged
        #expect(rtcpWire[Self.rtcp.count] & 0x80 == 0)
        let (r, out) = try receiver.unprotectRTCP(rtcpWire)
        #expect(r.verdict == .authenticated)
        #expect(r.encrypted == false)
        #expect(out == Self.rtcp)
        // UNENCRYPTED_SRTP alone: clear payload, 10-byte tag that is checked.
        policy.sessionParameters = SessionParameters(encryptRTP: false)
        let s2 = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let w2 = try s2.protectRTP(Self.rtp, roc: 0)
        #expect(Array(w2[0..<Self.rtp.count]) == Self.rtp)
        #expect(w2.count == Self.rtp.count + 10)
        var bad = w2
        bad[20] ^= 1
        #expect(
            try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p).unprotectRTP(bad).0.verdict
                == .failed(.tagMismatch))
    }

    @Test("master-key lifetime: counted per key across the streams of a session", arguments: providerNames)
    func lifetime(_ name: String) throws {
        let policy = Self.policy(.aesCM128HMACSHA1_80, mki: 1, keys: 2, lifetime: 3)
        let p = try provider(name)
        let session = try SRTPSession(policy: policy, provider: p)
        var exceeded: [Bool] = []
        for (n, ssrc) in [UInt32(1), 2, 1, 2].enumerated() {
            var packet = Self.rtp
            packet[3] = UInt8(n)
            packet[8...11] = [0, 0, 0, UInt8(ssrc)]
            let wire = try SRTPStream(ssrc: ssrc, policy: policy, provider: p).protectRTP(packet, roc: 0, keyIndex: 0)
            var buffer = wire
            let r = try buffer.withUnsafeMutableBytes { try session.unprotectRTP($0, length: wire.count) }
            #expect(r.verdict == .authenticated)
            exceeded.append(r.lifetimeExceeded)
        }
        #expect(exceeded == [false, false, false, true])
        #expect(session.usage.rtp == [4, 0])
        #expect(session.streams.count == 2)
    }

    @Test("a session keeps a stream only for SSRCs whose packets authenticate", arguments: providerNames)
    func sessionAdoptsOnlyAuthenticSSRCs(_ name: String) throws {
        let policy = Self.policy(.aesCM128HMACSHA1_80)
        let p = try provider(name)
        let session = try SRTPSession(policy: policy, provider: p)
        let sender = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
        let wire = try sender.protectRTP(Self.rtp, roc: 0)
        let wireRTCP = try sender.protectRTCP(Self.rtcp, index: 1)
        // Forgeries: the genuine packets with a new SSRC each (the tag covers the SSRC, so all fail).
        for n in 0..<50 {
            var forged = wire
            forged[8...11] = [0x10, 0, 0, UInt8(n)]
            var forgedRTCP = wireRTCP
            forgedRTCP[4...7] = [0x20, 0, 0, UInt8(n)]
            let r = try forged.withUnsafeMutableBytes { try session.unprotectRTP($0, length: $0.count) }
            let rc = try forgedRTCP.withUnsafeMutableBytes { try session.unprotectRTCP($0, length: $0.count) }
            #expect(r.verdict == .failed(.tagMismatch))
            #expect(rc.verdict == .failed(.tagMismatch))
        }
        #expect(session.streams.isEmpty)
        var genuine = wire
        let r = try genuine.withUnsafeMutableBytes { try session.unprotectRTP($0, length: $0.count) }
        #expect(r.verdict == .authenticated)
        #expect(Array(genuine[0..<(r.plaintextLength ?? 0)]) == Self.rtp)
        #expect(Array(session.streams.keys) == [0xABCD])
        #expect(session.streams[0xABCD]?.ssrc == 0xABCD)
        #expect(session.streams[0xABCD]?.estimator.highestSequence == 0x0102)
        var genuineRTCP = wireRTCP
        let rc = try genuineRTCP.withUnsafeMutableBytes { try session.unprotectRTCP($0, length: $0.count) }
        #expect(rc.verdict == .authenticated)
        #expect(session.streams.count == 1)
    }

    @Test("cryptex round trips: GCM with CSRCs and no extension, two-byte profile with CSRCs", arguments: providerNames)
    func cryptex(_ name: String) throws {
        let p = try provider(name)
        for suite in [SRTPSuite.aeadAES128GCM, .aesCM128HMACSHA1_80, .aes256CMHMACSHA1_32] {
            var policy = Self.policy(suite)
            policy.cryptex = true
            let noExtension = Hex.bytes("82 60 0102 00000010 0000abcd 11111111 22222222") + Array(0..<30)
            let twoByte = Hex.bytes("91 60 0103 00000010 0000abcd 33333333 1000 0001 0102aabb") + Array(0..<30)
            for packet in [noExtension, twoByte] {
                let sender = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
                let wire = try sender.protectRTP(packet, roc: 0)
                let cc = Int(packet[0] & 0x0F)
                let ext = 12 + 4 * cc
                #expect(wire[0] & 0x10 != 0)
                #expect(Array(wire[12..<ext]) != Array(packet[12..<ext]))  // CSRCs encrypted
                let profile = UInt16(wire[ext]) << 8 | UInt16(wire[ext + 1])
                #expect(profile == (packet[0] & 0x10 == 0 ? 0xC0DE : 0xC2DE))
                let (r, out) = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p).unprotectRTP(wire)
                #expect(r.verdict == .authenticated)
                #expect(r.cryptex)
                if packet[0] & 0x10 == 0 {
                    // RFC 9335 §5.2: the sender added an empty one-byte extension, which stays.
                    let expected = [packet[0] | 0x10] + packet[1..<ext] + [0xBE, 0xDE, 0, 0] + packet[ext...]
                    #expect(out == expected)
                } else {
                    #expect(out == packet)
                }
            }
        }
    }

    @Test("hostile input: random and truncated packets never trap and never authenticate", arguments: providerNames)
    func hostile(_ name: String) throws {
        var rng = SeededGenerator(seed: 99)
        let p = try provider(name)
        for suite in SRTPSuite.all {
            var policy = Self.policy(suite, mki: 1, keys: 1)
            policy.cryptex = true
            policy.encryptedExtensionIDs = [1, 2]
            let receiver = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
            let sender = try SRTPStream(ssrc: 0xABCD, policy: policy, provider: p)
            let real = try sender.protectRTP(
                Hex.bytes("90 60 0102 00000010 0000abcd BEDE0001 10AA2233") + Array(0..<20), roc: 0)
            for n in 0..<300 {
                var junk = rng.bytes(Int.random(in: 0...80, using: &rng))
                if n % 3 == 0, !junk.isEmpty { junk[0] = 0x80 | (junk[0] & 0x3F) }  // version 2 more often
                if n % 5 == 0 { junk = Array(real[0..<Int.random(in: 0...real.count, using: &rng)]) }
                #expect(try !receiver.unprotectRTP(junk).0.verdict.isAuthentic || junk == real)
                #expect(try !receiver.unprotectRTCP(junk).0.verdict.isAuthentic)
                _ = try receiver.unprotectRTP(junk, options: UnprotectOptions(plaintextOnFailure: true))
                _ = try receiver.unprotectRTCP(junk, options: UnprotectOptions(plaintextOnFailure: true))
            }
            let ssrtp = try SSRTPContext(
                keys: [MasterKey(key: rng.bytes(16), salt: rng.bytes(14), mki: [1])], provider: p)
            let rtpme = try RTPMEContext(digest: rng.bytes(16), provider: p)
            for _ in 0..<200 {
                var junk = rng.bytes(Int.random(in: 0...80, using: &rng))
                #expect(
                    try !ssrtp.unprotect(junk, options: UnprotectOptions(plaintextOnFailure: true)).0.verdict
                        .isAuthentic)
                _ = try junk.withUnsafeMutableBytes { try rtpme.unprotect($0, length: $0.count, kind: .rtp) }
            }
        }
    }
}
