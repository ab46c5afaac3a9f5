import Crypto
import Testing

@testable import Transforms

/// OpenSSL and libgcrypt must give the same bytes for every transform on the same random inputs.
struct ProviderAgreementTests {
    static func bothProviders() throws -> (any CryptoProvider, any CryptoProvider) {
        (try CryptoProviders.named("openssl"), try CryptoProviders.named("gcrypt"))
    }

    @Test("SRTP and SRTCP protect, every suite, random packets", arguments: SRTPSuite.all.map(\.name))
    func srtp(_ suiteName: String) throws {
        let (a, b) = try Self.bothProviders()
        let suite = try #require(SRTPSuite.named(suiteName))
        var rng = SeededGenerator(seed: suiteName.utf8.reduce(7) { $0 &* 31 &+ UInt64($1) })
        for n in 0..<20 {
            var policy = SRTPPolicy(
                suite: suite,
                keys: [MasterKey(key: rng.bytes(suite.keyLength), salt: rng.bytes(suite.saltLength), mki: [9])],
                keyDerivationRate: n % 2 == 0 ? 0 : 1 << UInt64(n % 5))
            policy.cryptex = n % 3 == 0
            policy.encryptedExtensionIDs = n % 3 == 1 ? [1] : []
            let ssrc = UInt32.random(in: 0...UInt32.max, using: &rng)
            let packet: [UInt8] =
                [0x90, 0x60] + rng.bytes(6) + [
                    UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xFF), UInt8((ssrc >> 8) & 0xFF), UInt8(ssrc & 0xFF),
                ]
                + [0xBE, 0xDE, 0, 1, 0x12] + rng.bytes(3) + rng.bytes(Int.random(in: 0...300, using: &rng))
            let roc = UInt32.random(in: 0...UInt32.max, using: &rng)
            let outA = try SRTPStream(ssrc: ssrc, policy: policy, provider: a).protectRTP(packet, roc: roc)
            let outB = try SRTPStream(ssrc: ssrc, policy: policy, provider: b).protectRTP(packet, roc: roc)
            #expect(outA == outB)
            let rtcp: [UInt8] = [0x80, 200, 0, 6] + rng.bytes(4 + Int.random(in: 0...40, using: &rng) * 4)
            let index = UInt32.random(in: 0...0x7FFF_FFFF, using: &rng)
            #expect(
                try SRTPStream(ssrc: ssrc, policy: policy, provider: a).protectRTCP(rtcp, index: index)
                    == SRTPStream(ssrc: ssrc, policy: policy, provider: b).protectRTCP(rtcp, index: index))
        }
    }

    @Test("SSRTP, RTPME (both readings), KDF and f8")
    func others() throws {
        let (a, b) = try Self.bothProviders()
        var rng = SeededGenerator(seed: 2026)
        for _ in 0..<20 {
            let keys = [MasterKey(key: rng.bytes(16), salt: rng.bytes(14), mki: [3])]
            let esn = UInt64.random(in: 0..<(1 << 47), using: &rng)
            let packet: [UInt8] = [0x81, 0x60] + rng.bytes(10 + 4 + Int.random(in: 0...200, using: &rng))
            let roc = UInt32.random(in: 0...9, using: &rng)
            #expect(
                try SSRTPContext(keys: keys, provider: a, initialESN: esn).protect(packet, roc: roc)
                    == SSRTPContext(keys: keys, provider: b, initialESN: esn).protect(packet, roc: roc))

            let digest = rng.bytes(16)
            for reading in RTPMEKey.Reading.allCases {
                var bufA = packet + [UInt8](repeating: 0, count: 8)
                var bufB = bufA
                let nA = try bufA.withUnsafeMutableBytes {
                    try RTPMEContext(digest: digest, provider: a).protect($0, length: packet.count, reading: reading)
                }
                let nB = try bufB.withUnsafeMutableBytes {
                    try RTPMEContext(digest: digest, provider: b).protect($0, length: packet.count, reading: reading)
                }
                #expect(nA == nB)
                #expect(bufA == bufB)
            }
            let key = rng.bytes([16, 24, 32][Int.random(in: 0...2, using: &rng)])
            let salt = rng.bytes(14)
            let index = UInt64.random(in: 0..<(1 << 48), using: &rng)
            for label in UInt8(0)...7 {
                #expect(
                    try KeyDerivation.derive(
                        provider: a, masterKey: key, masterSalt: salt, label: label, index: index, kdr: 1 << 10,
                        length: 50)
                        == KeyDerivation.derive(
                            provider: b, masterKey: key, masterSalt: salt, label: label, index: index, kdr: 1 << 10,
                            length: 50))
            }
            let f8Key = rng.bytes(16)
            let iv = rng.bytes(16)
            var dataA = rng.bytes(Int.random(in: 0...100, using: &rng))
            var dataB = dataA
            let fa = try F8Keystream(provider: a, key: f8Key, salt: salt)
            let fb = try F8Keystream(provider: b, key: f8Key, salt: salt)
            try iv.withUnsafeBytes { ivp in
                try dataA.withUnsafeMutableBytes { try fa.apply(iv: ivp, to: $0) }
                try dataB.withUnsafeMutableBytes { try fb.apply(iv: ivp, to: $0) }
            }
            #expect(dataA == dataB)
        }
    }
}
