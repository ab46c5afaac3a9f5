internal import COpenSSL

/// HMAC-SHA1 (RFC 2104) on OpenSSL's SHA-1, with the keyed inner and outer states absorbed once.
///
/// Why not `EVP_MAC` (or `EVP_MD_CTX`): in OpenSSL 3.0 every HMAC re-initialisation and every
/// finalisation goes through `EVP_MD_CTX_copy_ex`, whose provider `dupctx` allocates a fresh SHA-1
/// context (2 mallocs per MAC, measured), and `EVP_DigestInit_ex2` on an existing context frees and
/// re-creates it too (1 per init). The `SHA1_Init`/`SHA1_Update`/`SHA1_Final` functions work on a
/// caller-owned `SHA_CTX` (a plain struct) and run the same `sha1_block_data_order` as the provider
/// (SHA-NI where the CPU has it), so restoring a saved state is a struct copy: nothing is allocated per
/// packet and the two key blocks are not hashed again. OpenSSL 3 marks these functions deprecated in
/// favour of EVP (they remain in libcrypto 3.x); `COpenSSL/shim.h` defines
/// `OPENSSL_SUPPRESS_DEPRECATED` so that using them on purpose here does not warn.
final class OpenSSLHMACSHA1: HMACSHA1 {
    private let provider: OpenSSLProvider
    /// [0] the state after K XOR ipad, [1] after K XOR opad, [2] the running computation.
    private let states: UnsafeMutablePointer<SHA_CTX>

    init(provider: OpenSSLProvider, key: [UInt8]) throws(CryptoError) {
        // RFC 2104 allows any key length, but no SRTP-family key is empty, and an empty key is the
        // sign of a caller bug; refusing it also keeps both providers identical.
        guard !key.isEmpty else { throw .keyLength("HMAC-SHA1", got: 0, allowed: [20]) }
        // Every call that can throw runs on local states, before the storage exists: a throwing
        // initialiser then has nothing to release.
        var saved = (SHA_CTX(), SHA_CTX(), SHA_CTX())
        // RFC 2104 §2: a key longer than the block is replaced by its hash.
        var shortKey = key
        if key.count > HMACKeyPads.blockLength {
            shortKey = [UInt8](repeating: 0, count: HMACKeyPads.sha1Length)
            try Self.absorb(&saved.2, key)
            let result = shortKey.withUnsafeMutableBufferPointer { SHA1_Final($0.baseAddress, &saved.2) }
            try OpenSSLErrors.check(result, "SHA1_Final")
        }
        var pads = HMACKeyPads(key: shortKey)
        defer { pads.wipe() }
        try Self.absorb(&saved.0, pads.inner)
        try Self.absorb(&saved.1, pads.outer)
        self.provider = provider
        states = .allocate(capacity: 3)
        states.initialize(to: saved.0)
        (states + 1).initialize(to: saved.1)
        (states + 2).initialize(to: saved.0)
        saved = (SHA_CTX(), SHA_CTX(), SHA_CTX())
    }

    private static func absorb(_ state: inout SHA_CTX, _ bytes: [UInt8]) throws(CryptoError) {
        try OpenSSLErrors.check(SHA1_Init(&state), "SHA1_Init")
        let result = bytes.withUnsafeBytes { SHA1_Update(&state, $0.baseAddress, $0.count) }
        try OpenSSLErrors.check(result, "SHA1_Update")
    }

    deinit {
        // The saved states are as good as the key: clear them.
        states.update(repeating: SHA_CTX(), count: 3)
        states.deinitialize(count: 3)
        states.deallocate()
    }

    func reset() throws {
        states[2] = states[0]
    }

    func update(_ data: UnsafeRawBufferPointer) throws {
        guard let base = data.baseAddress, data.count > 0 else { return }
        try OpenSSLErrors.check(SHA1_Update(states + 2, base, data.count), "SHA1_Update")
    }

    func finalize(into output: UnsafeMutableRawBufferPointer) throws {
        try LengthCheck.atLeast(output.count, HMACKeyPads.sha1Length, "HMAC-SHA1 output")
        guard let base = output.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        // Inner hash H(K XOR ipad || text) into the output, then H(K XOR opad || inner) over it.
        try OpenSSLErrors.check(SHA1_Final(base, states + 2), "SHA1_Final(inner)")
        states[2] = states[1]
        try OpenSSLErrors.check(SHA1_Update(states + 2, base, HMACKeyPads.sha1Length), "SHA1_Update(outer)")
        try OpenSSLErrors.check(SHA1_Final(base, states + 2), "SHA1_Final(outer)")
    }
}
