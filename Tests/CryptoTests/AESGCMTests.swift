import Testing

@testable import Crypto
import TestSupport

/// AES-GCM on each provider: RFC 7714 tag-only vectors (shared), the GCM specification's test cases
/// with data, and the tag check.
struct AESGCMTests {
    @Test(
        "RFC 7714 §16.1.3 / §16.2.3 tag-only",
        .enabled(if: SharedVectors.available, "needs ../shared/vectors/vectors.json"),
        arguments: CryptoProviders.names, SharedVectors.ofType("gcm_raw"))
    func rfc7714(providerName: String, vector: SharedVectors.Vector) throws {
        let provider = try CryptoProviders.named(providerName)
        let gcm = try provider.makeAESGCM(key: Hex.bytes(vector.input("key")))
        let iv = Hex.bytes(vector.input("iv"))
        let aad = Hex.bytes(vector.input("aad"))
        let sealed = try gcm.seal(iv: iv, aad: aad, plaintext: Hex.bytes(vector.input("plaintext")))
        #expect(Hex.string(sealed.ciphertext) == vector.output("ciphertext"))
        #expect(Hex.string(sealed.tag) == vector.output("tag"))
        let opened = try gcm.open(iv: iv, aad: aad, ciphertext: sealed.ciphertext, tag: Hex.bytes(vector.output("tag")))
        #expect(opened == Hex.bytes(vector.input("plaintext")))
    }

    struct KnownAnswer: Sendable, CustomTestStringConvertible {
        var name: String
        var key: String
        var ciphertext: String
        var tag: String
        var testDescription: String { name }
    }

    // McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005, Appendix B, test cases 4
    // (AES-128) and 16 (AES-256): 60-byte plaintext (not a multiple of 16) and 20-byte AAD.
    // Cross-checked when written with Python's `cryptography` AESGCM.
    static let plaintext =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    static let aad = "feedfacedeadbeeffeedfacedeadbeefabaddad2"
    static let iv = "cafebabefacedbaddecaf888"
    static let knownAnswers = [
        KnownAnswer(
            name: "GCM test case 4 (AES-128)", key: "feffe9928665731c6d6a8f9467308308",
            ciphertext:
                "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            tag: "5bc94fbc3221a5db94fae95ae7121a47"),
        KnownAnswer(
            name: "GCM test case 16 (AES-256)", key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            ciphertext:
                "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
    ]

    /// The parameterized test above has no cases when the vectors are missing from the file.
    @Test("the two RFC 7714 tag-only vectors are present", .enabled(if: SharedVectors.available, "needs ../shared/vectors/vectors.json"))
    func vectorsPresent() {
        #expect(SharedVectors.ofType("gcm_raw").count >= 2)
    }

    @Test("GCM specification test cases", arguments: CryptoProviders.names, knownAnswers)
    func specification(providerName: String, answer: KnownAnswer) throws {
        let provider = try CryptoProviders.named(providerName)
        let gcm = try provider.makeAESGCM(key: Hex.bytes(answer.key))
        let iv = Hex.bytes(Self.iv)
        let aad = Hex.bytes(Self.aad)
        // Twice on one context: the second packet must not inherit the first one's GHASH state.
        for _ in 0..<2 {
            let sealed = try gcm.seal(iv: iv, aad: aad, plaintext: Hex.bytes(Self.plaintext))
            #expect(Hex.string(sealed.ciphertext) == answer.ciphertext)
            #expect(Hex.string(sealed.tag) == answer.tag)
            let opened = try gcm.open(
                iv: iv, aad: aad, ciphertext: Hex.bytes(answer.ciphertext), tag: Hex.bytes(answer.tag))
            #expect(opened.map { Hex.string($0) } == Self.plaintext)
        }
    }

    @Test("open rejects every flipped tag bit, and flipped data or AAD", arguments: CryptoProviders.names)
    func tagCheck(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        let answer = Self.knownAnswers[0]
        let gcm = try provider.makeAESGCM(key: Hex.bytes(answer.key))
        let iv = Hex.bytes(Self.iv)
        let aad = Hex.bytes(Self.aad)
        let ciphertext = Hex.bytes(answer.ciphertext)
        let tag = Hex.bytes(answer.tag)
        for bit in 0..<128 {
            var flipped = tag
            flipped[bit / 8] ^= 1 << (bit % 8)
            #expect(try gcm.open(iv: iv, aad: aad, ciphertext: ciphertext, tag: flipped) == nil, "tag bit \(bit)")
        }
        var badData = ciphertext
        badData[59] ^= 0x80
        #expect(try gcm.open(iv: iv, aad: aad, ciphertext: badData, tag: tag) == nil)
        var badAAD = aad
        badAAD[0] ^= 0x01
        #expect(try gcm.open(iv: iv, aad: badAAD, ciphertext: ciphertext, tag: tag) == nil)
        var badIV = iv
        badIV[11] ^= 0x01
        #expect(try gcm.open(iv: badIV, aad: aad, ciphertext: ciphertext, tag: tag) == nil)
        // A failure leaves the context usable for the next packet.
        #expect(try gcm.open(iv: iv, aad: aad, ciphertext: ciphertext, tag: tag) != nil)
    }

    @Test("wrong key, IV and tag lengths throw", arguments: CryptoProviders.names)
    func refusals(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        // RFC 7714 defines AES-128 and AES-256 GCM only.
        for length in [0, 15, 24, 31, 33] {
            #expect { try provider.makeAESGCM(key: [UInt8](repeating: 0, count: length)) } throws: {
                ($0 as? CryptoError)?.code == "key-length"
            }
        }
        let gcm = try provider.makeAESGCM(key: [UInt8](repeating: 0, count: 16))
        #expect(throws: CryptoError.self) {
            try gcm.seal(iv: [UInt8](repeating: 0, count: 16), aad: [], plaintext: [1])
        }
        #expect(throws: CryptoError.self) {
            try gcm.open(
                iv: [UInt8](repeating: 0, count: 12), aad: [], ciphertext: [1], tag: [UInt8](repeating: 0, count: 12))
        }
    }
}
