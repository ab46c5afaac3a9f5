import Testing

@testable import Crypto
import TestSupport

/// RFC 2202 §3 HMAC-SHA1 test cases 1–7 from the shared vectors, on each provider.
@Suite
struct HMACSHA1Tests {
    @Test("RFC 2202 §3 HMAC-SHA1", .enabled(if: SharedVectors.available, "needs ../shared/vectors/vectors.json next to the repository"), arguments: CryptoProviders.names, SharedVectors.ofType("hmac_sha1"))
    func rfc2202(providerName: String, vector: SharedVectors.Vector) throws {
        let provider = try CryptoProviders.named(providerName)
        let hmac = try provider.makeHMACSHA1(key: Hex.bytes(vector.input("key_hex")))
        let digest = try hmac.mac(Hex.bytes(vector.input("data_hex")))
        #expect(Hex.string(digest) == vector.output("digest"))
        // Case 5 also lists the 96-bit truncation (RFC 2202 §3, HMAC-SHA-1-96): the leftmost 12 bytes.
        if let truncated = vector.expected["digest_96"] as? String {
            #expect(Hex.string(digest.prefix(12)) == truncated)
        }
    }

    @Test("all seven RFC 2202 cases are present", .enabled(if: SharedVectors.available, "needs ../shared/vectors/vectors.json next to the repository"))
    func vectorsPresent() {
        #expect(SharedVectors.ofType("hmac_sha1").count == 7)
    }

    /// Reusing one context: reset() must restart from the key, not continue the previous message.
    @Test(
        "reset between messages reuses the key",
        .enabled(if: SharedVectors.available, "needs ../shared/vectors/vectors.json next to the repository"),
        arguments: CryptoProviders.names)
    func resetReusesKey(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        let vectors = SharedVectors.ofType("hmac_sha1")
        let first = try #require(vectors.first)  // case 1
        let hmac = try provider.makeHMACSHA1(key: Hex.bytes(first.input("key_hex")))
        let data = Hex.bytes(first.input("data_hex"))
        let once = try hmac.mac(data)
        let twice = try hmac.mac(data)
        #expect(Hex.string(once) == first.output("digest"))
        #expect(once == twice)
        // Split updates give the same MAC as one update.
        try hmac.reset()
        try data.prefix(3).withUnsafeBytes { try hmac.update($0) }
        try data.dropFirst(3).withUnsafeBytes { try hmac.update($0) }
        var split = [UInt8](repeating: 0, count: 20)
        try split.withUnsafeMutableBytes { try hmac.finalize(into: $0) }
        #expect(split == once)
    }

    @Test("empty key and short output buffer are refused", arguments: CryptoProviders.names)
    func refusals(providerName: String) throws {
        let provider = try CryptoProviders.named(providerName)
        #expect { try provider.makeHMACSHA1(key: []) } throws: { ($0 as? CryptoError)?.code == "key-length" }
        let hmac = try provider.makeHMACSHA1(key: [UInt8](repeating: 1, count: 20))
        var short = [UInt8](repeating: 0, count: 19)
        #expect {
            try short.withUnsafeMutableBytes { try hmac.finalize(into: $0) }
        } throws: { ($0 as? CryptoError)?.code == "buffer-length" }
    }
}
