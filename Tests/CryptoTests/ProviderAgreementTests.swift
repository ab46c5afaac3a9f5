import Testing

@testable import Crypto

/// OpenSSL and libgcrypt must agree byte for byte on the same randomised inputs, for every primitive.
/// Each test reuses one context per provider across iterations, as a stream would, so it also checks
/// that re-IV / reset leaves no state behind. The seed is fixed: a failure reproduces.
struct ProviderAgreementTests {
    static let iterations = 200
    let openssl: any CryptoProvider
    let gcrypt: any CryptoProvider

    init() throws {
        openssl = try CryptoProviders.named("openssl")
        gcrypt = try CryptoProviders.named("gcrypt")
    }

    @Test func aesBlock() throws {
        var random = SeededGenerator(seed: 0xB10C)
        for keyLength in [16, 24, 32] {
            let key = random.bytes(keyLength)
            let a = try openssl.makeAESBlockCipher(key: key)
            let b = try gcrypt.makeAESBlockCipher(key: key)
            for _ in 0..<Self.iterations {
                let block = random.bytes(16)
                #expect(try a.encrypt(block) == b.encrypt(block), "key \(Hex.string(key)) block \(Hex.string(block))")
            }
        }
    }

    /// Lengths 0...300 (mostly not multiples of 16) and counters anywhere, some near the 128-bit wrap.
    @Test func aesCounterMode() throws {
        var random = SeededGenerator(seed: 0xC7_0001)
        for keyLength in [16, 24, 32] {
            let key = random.bytes(keyLength)
            let a = try openssl.makeAESCounterMode(key: key)
            let b = try gcrypt.makeAESCounterMode(key: key)
            for iteration in 0..<Self.iterations {
                var iv = random.bytes(16)
                if iteration % 4 == 0 {
                    // Within a few blocks of 2^128: the keystream crosses ff..ff → 00..00.
                    for index in 0..<15 { iv[index] = 0xFF }
                    iv[15] = UInt8.random(in: 0xF0...0xFF, using: &random)
                } else if iteration % 4 == 1 {
                    // Near 2^64: the carry crosses from the low to the high 64 bits.
                    for index in 8..<15 { iv[index] = 0xFF }
                    iv[15] = UInt8.random(in: 0xF0...0xFF, using: &random)
                }
                let data = random.bytes(Int.random(in: 0...300, using: &random))
                #expect(
                    try a.apply(iv: iv, to: data) == b.apply(iv: iv, to: data),
                    "iv \(Hex.string(iv)) length \(data.count)")
            }
        }
    }

    /// The wrap itself, checked on each provider against its own AES block function: the block after
    /// counter ff..ff is E(00..00), and after 00..00 ff..ff (64 bits) it is E(00..01 00..00).
    @Test("counter increments across 2^64 and wraps at 2^128", arguments: CryptoProviders.names)
    func counterWrap(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        let key = Hex.bytes("2b7e151628aed2a6abf7158809cf4f3c")
        let block = try provider.makeAESBlockCipher(key: key)
        let counterMode = try provider.makeAESCounterMode(key: key)
        let cases: [(start: String, next: String)] = [
            ("ffffffffffffffffffffffffffffffff", "00000000000000000000000000000000"),
            ("0000000000000000ffffffffffffffff", "00000000000000010000000000000000"),
            ("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "f0f1f2f3f4f5f6f7f8f9fafbfcfdff00"),
        ]
        for (start, next) in cases {
            let keystream = try counterMode.apply(iv: Hex.bytes(start), to: [UInt8](repeating: 0, count: 37))
            #expect(Array(keystream[0..<16]) == (try block.encrypt(Hex.bytes(start))))
            #expect(Array(keystream[16..<32]) == (try block.encrypt(Hex.bytes(next))), "after \(start)")
        }
    }

    @Test func aesGCM() throws {
        var random = SeededGenerator(seed: 0x6C_0001)
        for keyLength in [16, 32] {
            let key = random.bytes(keyLength)
            let a = try openssl.makeAESGCM(key: key)
            let b = try gcrypt.makeAESGCM(key: key)
            for _ in 0..<Self.iterations {
                let iv = random.bytes(12)
                let aad = random.bytes(Int.random(in: 0...64, using: &random))
                let plaintext = random.bytes(Int.random(in: 0...300, using: &random))
                let sealedA = try a.seal(iv: iv, aad: aad, plaintext: plaintext)
                let sealedB = try b.seal(iv: iv, aad: aad, plaintext: plaintext)
                #expect(sealedA.ciphertext == sealedB.ciphertext)
                #expect(sealedA.tag == sealedB.tag)
                // Each opens what the other sealed.
                #expect(try a.open(iv: iv, aad: aad, ciphertext: sealedB.ciphertext, tag: sealedB.tag) == plaintext)
                #expect(try b.open(iv: iv, aad: aad, ciphertext: sealedA.ciphertext, tag: sealedA.tag) == plaintext)
            }
        }
    }

    /// Key lengths 1...100 cover keys shorter than, equal to and longer than SHA-1's 64-byte block
    /// (RFC 2104 §2: longer keys are hashed first).
    @Test func hmacSHA1() throws {
        var random = SeededGenerator(seed: 0x4D_AC01)
        for _ in 0..<20 {
            let key = random.bytes(Int.random(in: 1...100, using: &random))
            let a = try openssl.makeHMACSHA1(key: key)
            let b = try gcrypt.makeHMACSHA1(key: key)
            for _ in 0..<20 {
                let data = random.bytes(Int.random(in: 0...300, using: &random))
                #expect(try a.mac(data) == b.mac(data), "key \(Hex.string(key)) data \(Hex.string(data))")
            }
        }
    }

    @Test func desCBC() throws {
        var random = SeededGenerator(seed: 0xDE5)
        for _ in 0..<20 {
            let key = random.bytes(8)
            let a = try openssl.makeDESCBC(key: key)
            let b = try gcrypt.makeDESCBC(key: key)
            for _ in 0..<20 {
                let iv = random.bytes(8)
                let data = random.bytes(8 * Int.random(in: 0...40, using: &random))
                let encrypted = try a.encrypt(iv: iv, data)
                #expect(try b.encrypt(iv: iv, data) == encrypted)
                #expect(try a.decrypt(iv: iv, data) == b.decrypt(iv: iv, data))
                #expect(try b.decrypt(iv: iv, encrypted) == data)
            }
        }
    }

    @Test func md5() throws {
        var random = SeededGenerator(seed: 0x3D5)
        for _ in 0..<Self.iterations {
            let data = random.bytes(Int.random(in: 0...300, using: &random))
            #expect(try openssl.md5(data) == gcrypt.md5(data))
        }
    }
}
