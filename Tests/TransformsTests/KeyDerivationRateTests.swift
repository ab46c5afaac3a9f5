import Crypto
import Testing

@testable import Transforms
import TestSupport

/// Key derivation rate ≠ 0 (RFC 3711 §4.3.1): no published vector exists (vectors README), so these check
/// the structure: r = index DIV kdr enters the PRF input, and the keys change exactly at multiples of kdr.
struct KeyDerivationRateTests {
    @Test("key_id = label || r, r = index DIV kdr, XORed into the low 56 bits of the salt")
    func prfInput() {
        let zero = [UInt8](repeating: 0, count: 14)
        #expect(
            KeyDerivation.prfInput(masterSalt: zero, label: 2, index: 0x1234_5678_9ABC, kdr: 1)
                == Hex.bytes("00000000 000000 02 123456789ABC 0000"))
        #expect(
            KeyDerivation.prfInput(masterSalt: zero, label: 0, index: 0x1234_5678_9ABC, kdr: 1 << 8)
                == Hex.bytes("00000000 000000 00 00123456789A 0000"))
        #expect(
            KeyDerivation.prfInput(masterSalt: zero, label: 5, index: 0xFFFF, kdr: 0)
                == Hex.bytes("00000000 000000 05 000000000000 0000"))
        // AEAD: the 12-byte salt is padded on the right with two zero bytes.
        let salt12 = [UInt8](repeating: 0xFF, count: 12)
        #expect(
            KeyDerivation.prfInput(masterSalt: salt12, label: 0, index: 0, kdr: 0)
                == Hex.bytes("FFFFFFFF FFFFFFFF FFFFFFFF 0000 0000"))
    }

    @Test("packets alternating across an epoch boundary reuse the two epochs' contexts", arguments: providerNames)
    func epochSwap(_ name: String) throws {
        let p = try provider(name)
        let master = MasterKey(key: Array(UInt8(1)...16), salt: Array(UInt8(100)..<114))
        let c = try SessionCipher(provider: p, suite: .aesCM128HMACSHA1_80, master: master, rtcp: false, kdr: 16)
        func expected(_ i: UInt64) throws -> SessionKeys {
            try KeyDerivation.sessionKeys(
                provider: p, suite: .aesCM128HMACSHA1_80, masterKey: master.key, masterSalt: master.salt,
                rtcp: false, index: i, kdr: 16)
        }
        let epoch0 = c.current
        try c.prepare(index: 17)
        let epoch1 = c.current
        #expect(epoch1 !== epoch0)
        #expect(c.keys == (try expected(17)))
        try c.prepare(index: 3)
        #expect(c.current === epoch0)
        #expect(c.keys == (try expected(3)))
        try c.prepare(index: 20)
        #expect(c.current === epoch1)
        try c.prepare(index: 40)
        #expect(c.current !== epoch0 && c.current !== epoch1)
        #expect(c.keys == (try expected(40)))
        try c.prepare(index: 31)
        #expect(c.current === epoch1)
    }

    @Test("session keys change exactly at index multiples of kdr", arguments: providerNames)
    func epochs(_ name: String) throws {
        let p = try provider(name)
        let key = Array(UInt8(1)...16)
        let salt = Array(UInt8(100)..<114)
        func keys(_ i: UInt64) throws -> SessionKeys {
            try KeyDerivation.sessionKeys(
                provider: p, suite: .aesCM128HMACSHA1_80, masterKey: key, masterSalt: salt, rtcp: false, index: i,
                kdr: 16)
        }
        #expect(try keys(0) == keys(15))
        #expect(try keys(15) != keys(16))
        #expect(try keys(16) == keys(31))
        #expect(try keys(31) != keys(32))
        // Epoch 0 is the KDR = 0 derivation.
        #expect(
            try keys(5)
                == KeyDerivation.sessionKeys(
                    provider: p, suite: .aesCM128HMACSHA1_80, masterKey: key, masterSalt: salt, rtcp: false))
    }

    @Test(
        "a KDR stream protects each packet with its epoch's keys, and unprotects across epochs",
        arguments: providerNames)
    func streamFollowsEpochs(_ name: String) throws {
        let p = try provider(name)
        let master = MasterKey(key: Array(UInt8(1)...16), salt: Array(UInt8(100)..<114))
        let policy = SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: [master], keyDerivationRate: 4)
        let sender = try SRTPStream(ssrc: 9, policy: policy, provider: p)
        let receiver = try SRTPStream(ssrc: 9, policy: policy, provider: p)
        for seq in UInt16(0)..<12 {
            let packet: [UInt8] =
                [0x80, 0, 0, UInt8(seq), 0, 0, 0, 0, 0, 0, 0, 9] + Array(repeating: seq.low, count: 24)
            let wire = try sender.protectRTP(packet, roc: 0)
            // The same packet through a KDR-0 stream holding the keys derived for this index.
            let reference = try SRTPStream(
                ssrc: 9, policy: SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: [master]), provider: p)
            try reference.installSessionKeys(
                KeyDerivation.sessionKeys(
                    provider: p, suite: .aesCM128HMACSHA1_80, masterKey: master.key, masterSalt: master.salt,
                    rtcp: false,
                    index: UInt64(seq), kdr: 4), rtcp: false)
            #expect(try reference.protectRTP(packet, roc: 0) == wire, "seq \(seq)")
            let (r, out) = try receiver.unprotectRTP(wire)
            #expect(r.verdict == .authenticated)
            #expect(out == packet)
        }
        // Reordered back into an earlier epoch still works (the keys are re-derived).
        let old: [UInt8] = [0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9] + Array(repeating: 1, count: 24)
        let again = try SRTPStream(ssrc: 9, policy: policy, provider: p)
        #expect(try receiver.unprotectRTP(try again.protectRTP(old, roc: 0)).0.verdict == .replayed)
    }
}

extension UInt16 {
    fileprivate var low: UInt8 { UInt8(truncatingIfNeeded: self) }
}
