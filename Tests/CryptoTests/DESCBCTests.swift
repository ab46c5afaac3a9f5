import Testing

@testable import Crypto

/// Single DES-CBC on each provider (MS-RTPME's cipher).
struct DESCBCTests {
    // FIPS 81 (DES Modes of Operation), Appendix C, CBC example: key 0123456789abcdef,
    // IV 1234567890abcdef, plaintext "Now is the time for all " (24 ASCII bytes).
    // Cross-checked when written with `openssl enc -des-cbc -provider legacy`.
    static let key = "0123456789abcdef"
    static let iv = "1234567890abcdef"
    static let plaintext = "4e6f772069732074 68652074696d6520 666f7220616c6c20"
    static let ciphertext = "e5c7cdde872bf27c 43e934008c389c0f 683788499a7c05f6"

    @Test("FIPS 81 Appendix C CBC example", arguments: CryptoProviders.names)
    func fips81(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        let des = try provider.makeDESCBC(key: Hex.bytes(Self.key))
        let iv = Hex.bytes(Self.iv)
        // Twice each: the IV is reset per call, not chained from the previous one.
        for _ in 0..<2 {
            #expect(try des.encrypt(iv: iv, Hex.bytes(Self.plaintext)) == Hex.bytes(Self.ciphertext))
            #expect(try des.decrypt(iv: iv, Hex.bytes(Self.ciphertext)) == Hex.bytes(Self.plaintext))
        }
    }

    @Test("parity bits are ignored", arguments: CryptoProviders.names)
    func parity(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        // The FIPS 81 key with the low (parity) bit of every byte flipped.
        let des = try provider.makeDESCBC(key: Hex.bytes(Self.key).map { $0 ^ 1 })
        #expect(try des.encrypt(iv: Hex.bytes(Self.iv), Hex.bytes(Self.plaintext)) == Hex.bytes(Self.ciphertext))
    }

    /// MS-RTPME keys come from MD5 and may be weak; both libraries must accept them. For a weak key
    /// encryption is an involution (E_k(E_k(x)) = x), which one-block CBC with a zero IV exposes.
    @Test("weak keys are accepted", arguments: CryptoProviders.names)
    func weakKey(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        let des = try provider.makeDESCBC(key: Hex.bytes("0101010101010101"))
        let zero = [UInt8](repeating: 0, count: 8)
        let block = Hex.bytes("4e6f772069732074")
        let once = try des.encrypt(iv: zero, block)
        #expect(once != block)
        #expect(try des.encrypt(iv: zero, once) == block)
    }

    @Test("wrong key, IV and data lengths throw", arguments: CryptoProviders.names)
    func refusals(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        for length in [0, 7, 9, 16, 24] {
            #expect { try provider.makeDESCBC(key: [UInt8](repeating: 0x11, count: length)) } throws: {
                ($0 as? CryptoError)?.code == "key-length"
            }
        }
        let des = try provider.makeDESCBC(key: Hex.bytes(Self.key))
        #expect(throws: CryptoError.self) { try des.encrypt(iv: [0, 0, 0, 0], [UInt8](repeating: 0, count: 8)) }
        #expect(throws: CryptoError.self) {
            try des.decrypt(iv: [UInt8](repeating: 0, count: 8), [UInt8](repeating: 0, count: 12))
        }
    }
}
