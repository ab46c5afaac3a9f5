import Crypto
import Testing

@testable import Transforms
import TestSupport

/// MS-SSRTP (`../shared/specs/002_b28723a61cbcd353.txt`): the §4.1 key-derivation vector, round trips, the
/// authenticated portion rebuilt independently, and the ROC's part in the tag.
struct SSRTPTests {
    /// MS-SSRTP §4.1 (transcribed from the spec text): master key and salt, then the three SSRTP session
    /// values (labels 0–2) and the three SSRTCP ones (labels 3–5; the spec's headings say "SSRTP" twice).
    static let masterKey = Hex.bytes("CB4A3C93F3D587ABA1AB0BDF8C6AA0FB")
    static let masterSalt = Hex.bytes("53EF4F4594296D0EB286D9CC96E4")

    @Test("MS-SSRTP §4.1 key derivation", arguments: providerNames)
    func keyDerivation(_ name: String) throws {
        let p = try provider(name)
        let rtp = try KeyDerivation.sessionKeys(
            provider: p, suite: .aesCM128HMACSHA1_80, masterKey: Self.masterKey, masterSalt: Self.masterSalt,
            rtcp: false)
        #expect(rtp.encryptionKey == Hex.bytes("C3FCC67BFBF17CFA2DC69F4B4CFC59CD"))
        #expect(rtp.authenticationKey == Hex.bytes("23B8B2D911CF8C6416F4AAB94083E0CC32615694"))
        #expect(rtp.salt == Hex.bytes("929B3AD0FDB565FDBEAA50412C8D"))
        let rtcp = try KeyDerivation.sessionKeys(
            provider: p, suite: .aesCM128HMACSHA1_80, masterKey: Self.masterKey, masterSalt: Self.masterSalt, rtcp: true
        )
        #expect(rtcp.encryptionKey == Hex.bytes("122E3C94A0D945242AF0B79C6EDCE0BB"))
        #expect(rtcp.authenticationKey == Hex.bytes("999BDAC078DBC12E7677AD05B9B2B54CBFDCBAA6"))
        #expect(rtcp.salt == Hex.bytes("839D270762975E43F6351493434E"))
        let context = try SSRTPContext(
            keys: [MasterKey(key: Self.masterKey, salt: Self.masterSalt, mki: [1])], provider: p)
        #expect(context.sessionKeys(0) == rtp)
    }

    func context(_ name: String, esn: UInt64 = 0x1234_5678_00FE) throws -> SSRTPContext {
        try SSRTPContext(
            keys: [
                MasterKey(key: Self.masterKey, salt: Self.masterSalt, mki: [7]),
                MasterKey(key: Array(Self.masterKey.reversed()), salt: Self.masterSalt, mki: [9]),
            ], provider: provider(name), initialESN: esn)
    }

    /// §4.2's input header (80 72 8001 …) with a payload, a CSRC and an extension variant.
    static let plain = Hex.bytes("80728001AE773346DE1A3236") + (0..<142).map { UInt8($0 & 0xFF) }
    static let withExtras =
        Hex.bytes("9172 8002 AE773346 DE1A3236  11223344  BEDE0001 10AA0000") + [UInt8](repeating: 0x5A, count: 35)

    @Test("round trip, ESN skipping low byte 0, MKI choosing the key", arguments: providerNames)
    func roundTrip(_ name: String) throws {
        let sender = try context(name)
        let receiver = try context(name, esn: 0)
        for (i, packet) in [Self.plain, Self.withExtras].enumerated() {
            let wire = try sender.protect(packet, roc: 0, keyIndex: i)
            #expect(wire.count == packet.count + 17)
            #expect(Array(wire[0..<12]) == Array(packet[0..<12]))
            #expect(wire[wire.count - 11] == [7, 9][i])
            let (r, out) = try receiver.unprotect(wire)
            #expect(r.verdict == .authenticated)
            #expect(r.keyIndex == i)
            #expect(out == packet)
        }
        // Two packets from 0x1234_5678_00FE: …00FF, then …0100 has a zero low byte and is skipped: …0101.
        #expect(sender.esn == 0x1234_5678_0101)
    }

    /// The tag rebuilt from the reading in microsoft.md with plain array concatenation, independent of
    /// `SSRTPLayout.authenticate`'s streaming.
    @Test("authenticated portion: CSRC|payload|ESN, zero pad to 64, header|extension|ROC", arguments: providerNames)
    func authenticatedPortion(_ name: String) throws {
        let p = try provider(name)
        let sender = try context(name)
        for packet in [Self.plain, Self.withExtras] {
            let roc: UInt32 = 0x0102_0304
            let wire = try sender.protect(packet, roc: roc)
            let cc = Int(packet[0] & 0x0F)
            let x = packet[0] & 0x10 != 0
            let headerEnd =
                12 + 4 * cc
                + (x ? 4 + 4 * Int(UInt16(packet[12 + 4 * cc + 2]) << 8 | UInt16(packet[12 + 4 * cc + 3])) : 0)
            let esnAt = wire.count - 17
            var part1 = Array(wire[12..<12 + 4 * cc]) + Array(wire[headerEnd..<esnAt + 6])
            if part1.count % 64 != 0 { part1 += [UInt8](repeating: 0, count: 64 - part1.count % 64) }
            let part2 = Array(wire[0..<12]) + Array(wire[12 + 4 * cc..<headerEnd]) + [1, 2, 3, 4]
            let keys = sender.sessionKeys(0)
            let mac = try p.makeHMACSHA1(key: keys.authenticationKey)
            var digest = [UInt8](repeating: 0, count: 20)
            try mac.reset()
            try (part1 + part2).withUnsafeBytes { try mac.update($0) }
            try digest.withUnsafeMutableBytes { try mac.finalize(into: $0) }
            #expect(Array(wire[(wire.count - 10)...]) == Array(digest[0..<10]))
        }
    }

    @Test("the keystream depends on the ESN only: IV = k_s·2^16 ⊕ (ESN>>16)·2^64 ⊕ ESN·2^16")
    func ivLayout() {
        var iv = [UInt8](repeating: 0xFF, count: 16)
        let salt = [UInt8](repeating: 0, count: 14)
        iv.withUnsafeMutableBytes { SSRTPLayout.iv(salt: salt, esn: 0xA1A2_A3A4_A5A6, into: $0) }
        #expect(iv == Hex.bytes("00000000 A1A2A3A4 A1A2A3A4A5A6 0000"))
    }

    @Test("tag checks with the right ROC, a neighbouring ROC found, a far ROC failing", arguments: providerNames)
    func rocInTag(_ name: String) throws {
        let sender = try context(name)
        // Right ROC: a receiver whose state says ROC 5.
        let wire5 = try sender.protect(Self.plain, roc: 5)
        let right = try SSRTPContext(
            keys: [MasterKey(key: Self.masterKey, salt: Self.masterSalt, mki: [7])], provider: provider(name),
            initialROC: 5)
        let (r1, _) = try right.unprotect(wire5)
        #expect(r1.verdict == .authenticated)
        #expect(r1.index >> 16 == 5)
        // One off: the search around the estimate finds ROC 5 from an initial guess of 4.
        let near = try SSRTPContext(
            keys: [MasterKey(key: Self.masterKey, salt: Self.masterSalt, mki: [7])], provider: provider(name),
            initialROC: 4)
        #expect(try near.unprotect(wire5).0.index >> 16 == 5)
        // Far off: the tag fails and the buffer is left alone.
        let far = try SSRTPContext(
            keys: [MasterKey(key: Self.masterKey, salt: Self.masterSalt, mki: [7])], provider: provider(name),
            initialROC: 9)
        let (r3, out3) = try far.unprotect(wire5)
        #expect(r3.verdict == .failed(.tagMismatch))
        #expect(out3 == nil)
        // A flipped bit anywhere but the MKI fails too; an unknown MKI is named.
        var bad = wire5
        bad[20] ^= 1
        #expect(try right.unprotect(bad).0.verdict == .failed(.tagMismatch))
        var unknown = wire5
        unknown[unknown.count - 11] = 0x33
        #expect(try right.unprotect(unknown).0.verdict == .failed(.unknownMKI))
        #expect(try right.unprotect(Array(wire5[0..<20])).0.verdict == .failed(.tooShort))
    }

    @Test("after a loss of 200,000 packets the ESN lets the ROC jump by 3", arguments: providerNames)
    func rocFromESN(_ name: String) throws {
        let keys = [MasterKey(key: Self.masterKey, salt: Self.masterSalt, mki: [7])]
        let receiver = try SSRTPContext(keys: keys, provider: provider(name))
        var first = Self.plain
        first[2...3] = [0, 100]
        let sender = try SSRTPContext(keys: keys, provider: provider(name), initialESN: 1000)
        #expect(try receiver.unprotect(try sender.protect(first, roc: 0)).0.verdict == .authenticated)
        // Seq 100 → seq 50 three wraps later: Appendix A guesses ROC 0; the ESN moved by 200,000.
        var later = Self.plain
        later[2...3] = [0, 50]
        let lateSender = try SSRTPContext(keys: keys, provider: provider(name), initialESN: 1001 + 200_000)
        let (r, out) = try receiver.unprotect(try lateSender.protect(later, roc: 3))
        #expect(r.verdict == .authenticated)
        #expect(r.index == 3 << 16 | 50)
        #expect(out == later)
        // Without the ESN's help (a receiver that has seen nothing), the same packet fails.
        let blind = try SSRTPContext(keys: keys, provider: provider(name))
        #expect(try blind.unprotect(try lateSender.protect(later, roc: 3)).0.verdict == .failed(.tagMismatch))
    }

    @Test("a replayed SSRTP packet is reported and still decrypted", arguments: providerNames)
    func replay(_ name: String) throws {
        let sender = try context(name)
        let receiver = try context(name)
        let wire = try sender.protect(Self.plain, roc: 0)
        #expect(try receiver.unprotect(wire).0.verdict == .authenticated)
        let (r, out) = try receiver.unprotect(wire)
        #expect(r.verdict == .replayed)
        #expect(out == Self.plain)
    }

    @Test("the replay window's size is the context's: a packet 80 late is fresh in 128, too old in 64", arguments: providerNames)
    func replayWindowSize(_ name: String) throws {
        let sender = try context(name)
        let keys = [MasterKey(key: Self.masterKey, salt: Self.masterSalt, mki: [7])]
        let wide = try SSRTPContext(keys: keys, provider: provider(name), initialESN: 0)
        let narrow = try SSRTPContext(keys: keys, provider: provider(name), initialESN: 0, replayWindowSize: 64)
        var wires: [[UInt8]] = []
        for seq in 1...100 {
            var p = Self.plain
            p[2] = UInt8(seq >> 8)
            p[3] = UInt8(seq & 0xFF)
            wires.append(try sender.protect(p, roc: 0))
        }
        // Packet 10 arrives after packet 90.
        let order = Array(0..<9) + Array(10..<90) + [9] + Array(90..<100)
        var verdicts: [String: [UnprotectVerdict]] = ["wide": [], "narrow": []]
        for i in order {
            verdicts["wide"]?.append(try wide.unprotect(wires[i]).0.verdict)
            verdicts["narrow"]?.append(try narrow.unprotect(wires[i]).0.verdict)
        }
        #expect(verdicts["wide"]?.allSatisfy { $0 == .authenticated } == true)
        #expect(verdicts["narrow"]?.filter { $0 == .replayed }.count == 1)
        #expect(verdicts["narrow"]?[89] == .replayed)
    }
}
