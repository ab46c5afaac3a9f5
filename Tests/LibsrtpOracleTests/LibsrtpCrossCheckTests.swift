import Crypto
import TestSupport
import Testing

@testable import Transforms

/// libsrtp 2.5 protects randomised packets; our unprotect must give back the same plaintext, reject every
/// copy with one bit flipped, and our protect must produce libsrtp's bytes.
struct LibsrtpCrossCheckTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var suite: LibsrtpSender.Suite
        var mkiLength: Int
        var provider: String
        var testDescription: String { "\(suite.rawValue) MKI \(mkiLength) on \(provider)" }
    }

    static let cases: [Case] =
        LibsrtpSender.Suite.allCases.flatMap { suite in
            [0, 1, 4].flatMap { mki in CryptoProviders.names.map { Case(suite: suite, mkiLength: mki, provider: $0) } }
        } + CryptoProviders.names.flatMap { p in [2, 3].map { Case(suite: .aes128_80, mkiLength: $0, provider: p) } }

    /// A random RTP packet: CSRCs, a one-byte-profile extension and RTP padding, each sometimes.
    static func rtpPacket(seq: UInt16, ssrc: UInt32, rng: inout SeededGenerator) -> [UInt8] {
        let cc = Int.random(in: 0...3, using: &rng)
        let x = Bool.random(using: &rng)
        let padding = Int.random(in: 0...3, using: &rng) == 0 ? Int.random(in: 1...8, using: &rng) : 0
        var p: [UInt8] = [
            0x80 | (x ? 0x10 : 0) | (padding > 0 ? 0x20 : 0) | UInt8(cc), UInt8.random(in: 0...127, using: &rng),
            UInt8(seq >> 8), UInt8(seq & 0xFF),
        ]
        p += rng.bytes(4)
        p += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
        p += rng.bytes(4 * cc)
        if x {
            let words = Int.random(in: 0...3, using: &rng)
            p += [0xBE, 0xDE, 0, UInt8(words)] + rng.bytes(4 * words)
        }
        p += rng.bytes(Int.random(in: 0...200, using: &rng))
        if padding > 0 { p += [UInt8](repeating: 0, count: padding - 1) + [UInt8(padding)] }
        return p
    }

    /// A random RTCP compound: an RR with 0–2 report blocks, sometimes followed by an SDES-sized chunk.
    static func rtcpPacket(ssrc: UInt32, rng: inout SeededGenerator) -> [UInt8] {
        let blocks = Int.random(in: 0...2, using: &rng)
        var p: [UInt8] = [0x80 | UInt8(blocks), 201, 0, UInt8(1 + 6 * blocks)]
        p += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF)]
        p += rng.bytes(24 * blocks)
        if Bool.random(using: &rng) {
            let words = Int.random(in: 1...6, using: &rng)
            p += [0x81, 202, 0, UInt8(words)] + rng.bytes(4 * words)
        }
        return p
    }

    @Test("libsrtp protects, we unprotect; one flipped bit fails; our protect equals libsrtp's", arguments: cases)
    func crossCheck(_ c: Case) throws {
        // A seed stable across runs (String.hashValue is not): the suite name's bytes, the MKI length.
        var rng = SeededGenerator(seed: c.suite.rawValue.utf8.reduce(UInt64(c.mkiLength)) { $0 &* 31 &+ UInt64($1) })
        let suite = try #require(SRTPSuite.named(c.suite.rawValue))
        let keyCount = c.mkiLength == 0 ? 1 : 3
        let masters = (0..<keyCount).map { i in
            MasterKey(
                key: rng.bytes(suite.keyLength), salt: rng.bytes(suite.saltLength),
                mki: c.mkiLength == 0 ? [] : (0..<c.mkiLength).map { UInt8(truncatingIfNeeded: 0xA0 + i + $0) })
        }
        let ssrc = UInt32.random(in: 1...UInt32.max, using: &rng)
        let roc = UInt32.random(in: 0...1000, using: &rng)
        let policy = SRTPPolicy(suite: suite, keys: masters, initialROC: roc)
        let libsrtp = try LibsrtpSender(
            suite: c.suite, ssrc: ssrc, keys: masters.map { $0.key + $0.salt }, mkis: masters.map(\.mki), roc: roc)
        let p = try CryptoProviders.named(c.provider)
        let receiver = try SRTPStream(ssrc: ssrc, policy: policy, provider: p)
        let ourSender = try SRTPStream(ssrc: ssrc, policy: policy, provider: p)

        // Sequence numbers start near the wrap so that the ROC advances during the run.
        var seq = UInt16(65536 - 12)
        var currentROC = roc
        for n in 0..<24 {
            let k = c.mkiLength == 0 ? 0 : Int.random(in: 0..<keyCount, using: &rng)
            let plain = Self.rtpPacket(seq: seq, ssrc: ssrc, rng: &rng)
            let wire = try libsrtp.protect(plain, mkiIndex: c.mkiLength == 0 ? nil : k)
            let (r, out) = try receiver.unprotectRTP(wire)
            #expect(r.verdict == .authenticated, "packet \(n)")
            #expect(r.keyIndex == k)
            #expect(r.index == UInt64(currentROC) << 16 | UInt64(seq))
            #expect(out == plain, "packet \(n)")
            #expect(try ourSender.protectRTP(plain, roc: currentROC, keyIndex: k) == wire, "packet \(n)")
            // Every bit of the first packets, one random bit of the others.
            let bits = n < 2 ? Array(0..<(wire.count * 8)) : [Int.random(in: 0..<(wire.count * 8), using: &rng)]
            for bit in bits {
                var bad = wire
                bad[bit / 8] ^= 1 << (bit % 8)
                let (rb, ob) = try receiver.unprotectRTP(bad)
                #expect(!rb.verdict.isAuthentic, "bit \(bit) of packet \(n)")
                #expect(ob == nil)
            }
            seq &+= 1
            if seq == 0 { currentROC += 1 }
        }

        for n in 0..<12 {
            let k = c.mkiLength == 0 ? 0 : Int.random(in: 0..<keyCount, using: &rng)
            let plain = Self.rtcpPacket(ssrc: ssrc, rng: &rng)
            let wire = try libsrtp.protectRTCP(plain, mkiIndex: c.mkiLength == 0 ? nil : k)
            let (r, out) = try receiver.unprotectRTCP(wire)
            #expect(r.verdict == .authenticated, "RTCP \(n)")
            #expect(r.keyIndex == k)
            #expect(out == plain, "RTCP \(n)")
            #expect(try ourSender.protectRTCP(plain, index: UInt32(r.index), keyIndex: k) == wire, "RTCP \(n)")
            let bits = n < 2 ? Array(0..<(wire.count * 8)) : [Int.random(in: 0..<(wire.count * 8), using: &rng)]
            for bit in bits {
                var bad = wire
                bad[bit / 8] ^= 1 << (bit % 8)
                #expect(!(try receiver.unprotectRTCP(bad)).0.verdict.isAuthentic, "bit \(bit) of RTCP \(n)")
            }
        }
    }

    struct HeaderCase: Sendable, CustomTestStringConvertible {
        var suite: LibsrtpSender.Suite
        var provider: String
        var testDescription: String { "\(suite.rawValue) on \(provider)" }
    }
    // AES-CM and, since libsrtp 2 encrypts header extensions under the GCM suites with the AES-CM cipher of
    // the same key size (labels 6 and 7, the 96-bit salt zero-padded), GCM too: no published vector has it.
    static let headerCases = [LibsrtpSender.Suite.aes128_80, .gcm128, .gcm256].flatMap { s in
        CryptoProviders.names.map { HeaderCase(suite: s, provider: $0) }
    }

    @Test("RFC 6904 encrypted extension elements against libsrtp's enc_xtn_hdr", arguments: headerCases)
    func encryptedHeaderExtensions(_ c: HeaderCase) throws {
        var rng = SeededGenerator(seed: 6904)
        let suite = try #require(SRTPSuite.named(c.suite.rawValue))
        let master = MasterKey(key: rng.bytes(suite.keyLength), salt: rng.bytes(suite.saltLength))
        let ssrc: UInt32 = 0x1122_3344
        let libsrtp = try LibsrtpSender(
            suite: c.suite, ssrc: ssrc, keys: [master.key + master.salt], mkis: [], roc: 0,
            encryptedExtensionIDs: [1, 3])
        let policy = SRTPPolicy(suite: suite, keys: [master], encryptedExtensionIDs: [1, 3])
        let receiver = try SRTPStream(ssrc: ssrc, policy: policy, provider: CryptoProviders.named(c.provider))
        let sender = try SRTPStream(ssrc: ssrc, policy: policy, provider: CryptoProviders.named(c.provider))
        for seq in UInt16(100)..<120 {
            // One-byte elements: id 1 (2 bytes), id 2 (1 byte, clear), id 3 (4 bytes), padding.
            let ext: [UInt8] =
                [0xBE, 0xDE, 0, 3, 0x11] + rng.bytes(2) + [0x20] + rng.bytes(1) + [0x33] + rng.bytes(4) + [0, 0]
            let plain =
                [0x90, 0x60, UInt8(seq >> 8), UInt8(seq & 0xFF)] + rng.bytes(4) + [0x11, 0x22, 0x33, 0x44] + ext
                + rng.bytes(40)
            let wire = try libsrtp.protect(plain, mkiIndex: nil)
            #expect(wire[12 + 4 + 3] == plain[12 + 4 + 3])  // id 2's data stays in the clear
            #expect(wire[22..<26] != plain[22..<26])  // id 3's four data bytes are encrypted
            let (r, out) = try receiver.unprotectRTP(wire)
            #expect(r.verdict == .authenticated)
            #expect(out == plain)
            #expect(try sender.protectRTP(plain, roc: 0) == wire)
        }
    }
}
