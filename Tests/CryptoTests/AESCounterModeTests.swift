import Testing

@testable import Crypto
import TestSupport

/// AES-CM keystream known answers: RFC 3711 App. B.2 (AES-128), RFC 6188 §7.1 (AES-256) and §7.3
/// (AES-192), from the shared vectors, on each provider.
@Suite
struct AESCounterModeTests {
    @Test("AES-CM keystream blocks", .enabled(if: SharedVectors.available, "needs ../shared/vectors/vectors.json next to the repository"), arguments: CryptoProviders.names, SharedVectors.ofType("aes_cm_keystream"))
    func keystream(providerName: String, vector: SharedVectors.Vector) throws {
        let provider = try CryptoProviders.named(providerName)
        let counterMode = try provider.makeAESCounterMode(key: Hex.bytes(vector.input("session_key")))

        // RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i = 2^16 * ROC + SEQ.
        // The vectors give the salt already shifted (16 bytes, low two zero).
        let salt = Hex.bytes(String(vector.input("session_salt").prefix(32)))
        let ssrc = vector.int("ssrc")
        let roc = vector.int("rollover_counter")
        let seq = vector.int("sequence_number")
        let index = roc << 16 | seq
        var counter = salt
        for byte in 0..<4 { counter[4 + byte] ^= UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * byte)) }
        for byte in 0..<6 { counter[8 + byte] ^= UInt8(truncatingIfNeeded: index >> (40 - 8 * byte)) }
        #expect(Hex.string(counter) == vector.input("first_counter"))

        // One call over the whole segment up to the last listed block, so the counter increments
        // (and carries from byte 15 into byte 14 at ...feff → ...ff00) inside the provider.
        let blocks = try #require(vector.expected["blocks"] as? [String: String])
        // The listed counters differ from the first only in the low 32 bits: their block offset.
        func offset(of blockCounter: String) -> Int {
            let low = { (bytes: [UInt8]) in bytes.suffix(4).reduce(0) { $0 << 8 | Int($1) } }
            return low(Hex.bytes(blockCounter)) - low(counter)
        }
        let blockCount = try #require(blocks.keys.map(offset(of:)).max()) + 1
        let keystream = try counterMode.apply(iv: counter, to: [UInt8](repeating: 0, count: 16 * blockCount))
        for (blockCounter, expected) in blocks {
            let start = 16 * offset(of: blockCounter)
            #expect(Hex.string(keystream[start..<start + 16]) == expected, "block \(blockCounter)")
        }
    }

    /// Re-IV per packet: a second packet on the same context starts from its own counter, not from
    /// where the previous packet's keystream stopped.
    /// The parameterized test above has no cases when the vectors are missing from the file.
    @Test("the three AES-CM keystream vectors are present", .enabled(if: SharedVectors.available, "needs ../shared/vectors/vectors.json next to the repository"))
    func vectorsPresent() {
        #expect(SharedVectors.ofType("aes_cm_keystream").count >= 3)
    }

    @Test("re-IV restarts the keystream", arguments: CryptoProviders.names)
    func reIV(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        let key = Hex.bytes("2b7e151628aed2a6abf7158809cf4f3c")
        let iv = Hex.bytes("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000")
        let reused = try provider.makeAESCounterMode(key: key)
        _ = try reused.apply(iv: iv, to: [UInt8](repeating: 0, count: 23))  // leaves a partial block behind
        let second = try reused.apply(iv: iv, to: [UInt8](repeating: 0, count: 16))
        // RFC 3711 B.2, first keystream block for this key and counter.
        #expect(Hex.string(second) == "e03ead0935c95e80e166b16dd92b4eb4")
    }

    @Test("setKey changes key size", arguments: CryptoProviders.names)
    func rekey(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        let iv = Hex.bytes("f0f1f2f3f4f5f6f7f8f9fafbfcfd0000")
        let counterMode = try provider.makeAESCounterMode(key: Hex.bytes("2b7e151628aed2a6abf7158809cf4f3c"))
        // RFC 6188 §7.1 key, first block.
        try counterMode.setKey(Hex.bytes("57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98"))
        #expect(
            Hex.string(try counterMode.apply(iv: iv, to: [UInt8](repeating: 0, count: 16)))
                == "92bdd28a93c3f52511c677d08b5515a4")
    }

    @Test("wrong key and counter lengths throw", arguments: CryptoProviders.names)
    func refusals(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        for length in [0, 15, 17, 20, 31, 33] {
            #expect(throws: CryptoError.self) {
                try provider.makeAESCounterMode(key: [UInt8](repeating: 0, count: length))
            }
        }
        let counterMode = try provider.makeAESCounterMode(key: [UInt8](repeating: 0, count: 16))
        #expect(throws: CryptoError.self) { try counterMode.setKey([UInt8](repeating: 0, count: 14)) }
        #expect(throws: CryptoError.self) {
            try counterMode.apply(iv: [UInt8](repeating: 0, count: 12), to: [1, 2, 3])
        }
    }
}
