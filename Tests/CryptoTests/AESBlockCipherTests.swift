import Testing

@testable import Crypto

/// AES-ECB single-block known answers: FIPS-197 Appendix C.1 (AES-128), C.2 (AES-192), C.3 (AES-256),
/// "Example Vectors": plaintext 00112233445566778899aabbccddeeff, key 000102... of the key length.
struct AESBlockCipherTests {
    struct KnownAnswer: Sendable, CustomTestStringConvertible {
        var section: String
        var key: String
        var ciphertext: String
        var testDescription: String { "FIPS-197 \(section)" }
    }

    static let plaintext = "00112233445566778899aabbccddeeff"
    static let knownAnswers = [
        KnownAnswer(
            section: "C.1", key: "000102030405060708090a0b0c0d0e0f", ciphertext: "69c4e0d86a7b0430d8cdb78070b4c55a"),
        KnownAnswer(
            section: "C.2", key: "000102030405060708090a0b0c0d0e0f1011121314151617",
            ciphertext: "dda97ca4864cdfe06eaf70a0ec0d7191"),
        KnownAnswer(
            section: "C.3", key: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            ciphertext: "8ea2b7ca516745bfeafc49904b496089"),
    ]

    @Test("FIPS-197 Appendix C", arguments: CryptoProviders.names, knownAnswers)
    func fips197(providerName: String, answer: KnownAnswer) throws {
        let provider = try CryptoProviders.named(providerName)
        let cipher = try provider.makeAESBlockCipher(key: Hex.bytes(answer.key))
        #expect(Hex.string(try cipher.encrypt(Hex.bytes(Self.plaintext))) == answer.ciphertext)
        // Stateless between blocks: the same block again gives the same answer.
        #expect(Hex.string(try cipher.encrypt(Hex.bytes(Self.plaintext))) == answer.ciphertext)
    }

    @Test("in place (output aliases input)", arguments: CryptoProviders.names)
    func inPlace(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        let answer = Self.knownAnswers[0]
        let cipher = try provider.makeAESBlockCipher(key: Hex.bytes(answer.key))
        var block = Hex.bytes(Self.plaintext)
        try block.withUnsafeMutableBytes { buffer in
            try cipher.encryptBlock(UnsafeRawBufferPointer(buffer), into: buffer)
        }
        #expect(Hex.string(block) == answer.ciphertext)
    }

    @Test("wrong key and block lengths throw", arguments: CryptoProviders.names)
    func refusals(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        for length in [0, 8, 15, 17, 23, 25, 31, 33, 64] {
            #expect { try provider.makeAESBlockCipher(key: [UInt8](repeating: 0, count: length)) } throws: {
                ($0 as? CryptoError)?.code == "key-length"
            }
        }
        let cipher = try provider.makeAESBlockCipher(key: [UInt8](repeating: 0, count: 16))
        #expect(throws: CryptoError.self) { try cipher.encrypt([UInt8](repeating: 0, count: 15)) }
        #expect(throws: CryptoError.self) { try cipher.encrypt([UInt8](repeating: 0, count: 32)) }
    }
}
