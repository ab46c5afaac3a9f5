internal import COpenSSL

/// AES-ECB on single blocks: the SRTP key derivation and F8's IV' and keystream (RFC 3711 §4.1.2, §4.3).
final class OpenSSLAESBlockCipher: AESBlockCipher {
    private let provider: OpenSSLProvider
    private let context: OpenSSLCipherContext

    init(provider: OpenSSLProvider, key: [UInt8]) throws(CryptoError) {
        let size = try AESKeySize(keyLength: key.count, algorithm: "AES-ECB")
        guard let cipher = provider.ecb[size] else { throw .unavailable("AES-ECB", "not fetched") }
        self.provider = provider
        // ECB with padding off: a whole block in gives a whole block out, with no state between calls.
        self.context = try OpenSSLCipherContext(cipher: cipher, key: key, encrypting: true, padding: false)
    }

    func encryptBlock(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        try LengthCheck.exactly(input.count, 16, "AES block input")
        try LengthCheck.exactly(output.count, 16, "AES block output")
        guard let source = input.baseAddress, let target = output.baseAddress else { return }
        // The caller may pass overlapping buffers; OpenSSL accepts only identical or disjoint ones.
        // Copy the block to the stack first (no heap allocation).
        try withUnsafeTemporaryAllocation(byteCount: 16, alignment: 16) { block in
            guard let copy = block.baseAddress else { return }
            copy.copyMemory(from: source, byteCount: 16)
            try context.update(copy, target, count: 16)
        }
    }
}

/// AES in counter mode, RFC 3711 §4.1.1. OpenSSL's CTR increments the whole 128-bit counter
/// big-endian, which is what SRTP specifies (the segment index only ever uses the low 16 bits, but
/// the KDF and the tests can reach the wrap).
final class OpenSSLAESCounterMode: AESCounterMode {
    private let provider: OpenSSLProvider
    private let context: OpenSSLCipherContext

    init(provider: OpenSSLProvider, key: [UInt8]) throws(CryptoError) {
        let size = try AESKeySize(keyLength: key.count, algorithm: "AES-CTR")
        guard let cipher = provider.ctr[size] else { throw .unavailable("AES-CTR", "not fetched") }
        self.provider = provider
        self.context = try OpenSSLCipherContext(cipher: cipher, key: key, encrypting: true, padding: false)
    }

    func setKey(_ key: [UInt8]) throws {
        let size = try AESKeySize(keyLength: key.count, algorithm: "AES-CTR")
        guard let cipher = provider.ctr[size] else { throw CryptoError.unavailable("AES-CTR", "not fetched") }
        try context.setKey(key, cipher: cipher)
    }

    func apply(iv: UnsafeRawBufferPointer, to data: UnsafeMutableRawBufferPointer) throws {
        try LengthCheck.exactly(iv.count, 16, "AES-CTR initial counter")
        try context.setIV(iv)
        guard let base = data.baseAddress else { return }
        try context.update(base, base, count: data.count)
    }
}

/// AES-GCM, RFC 7714 (NIST SP 800-38D): 12-byte IV, 16-byte tag.
final class OpenSSLAESGCM: AESGCM {
    private let provider: OpenSSLProvider
    // Separate contexts per direction: OpenSSL allows switching a GCM context's direction on re-IV,
    // but one context each makes the state of each obvious and costs one allocation per stream.
    private let sealer: OpenSSLCipherContext
    private let opener: OpenSSLCipherContext

    init(provider: OpenSSLProvider, key: [UInt8]) throws(CryptoError) {
        let size = try AESKeySize(keyLength: key.count, algorithm: "AES-GCM", allowed: [.aes128, .aes256])
        guard let cipher = provider.gcm[size] else { throw .unavailable("AES-GCM", "not fetched") }
        self.provider = provider
        // The default GCM IV length is 12 bytes, the one RFC 7714 §8.1 uses, so no IVLEN control is set.
        self.sealer = try OpenSSLCipherContext(cipher: cipher, key: key, encrypting: true, padding: false)
        self.opener = try OpenSSLCipherContext(cipher: cipher, key: key, encrypting: false, padding: false)
    }

    func seal(
        iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer,
        tag: UnsafeMutableRawBufferPointer
    ) throws {
        try LengthCheck.exactly(iv.count, 12, "GCM IV")
        try LengthCheck.exactly(tag.count, 16, "GCM tag")
        guard let tagBase = tag.baseAddress else { return }
        try sealer.setIV(iv)
        try sealer.addAAD(aad)
        if let base = data.baseAddress { try sealer.update(base, base, count: data.count) }
        _ = try sealer.finish()
        try sealer.control(EVP_CTRL_AEAD_GET_TAG, 16, tagBase)
    }

    func open(
        iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer,
        tag: UnsafeRawBufferPointer
    ) throws -> Bool {
        try LengthCheck.exactly(iv.count, 12, "GCM IV")
        try LengthCheck.exactly(tag.count, 16, "GCM tag")
        guard let tagBase = tag.baseAddress else { return false }
        try opener.setIV(iv)
        // The control takes a non-const pointer; give it a stack copy of the expected tag.
        try withUnsafeTemporaryAllocation(byteCount: 16, alignment: 16) { expected in
            guard let copy = expected.baseAddress else { return }
            copy.copyMemory(from: tagBase, byteCount: 16)
            try opener.control(EVP_CTRL_AEAD_SET_TAG, 16, copy)
        }
        try opener.addAAD(aad)
        if let base = data.baseAddress { try opener.update(base, base, count: data.count) }
        return try opener.finish()
    }
}
