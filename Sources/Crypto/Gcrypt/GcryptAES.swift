internal import CGcrypt

/// AES-ECB on single blocks (RFC 3711 §4.1.2, §4.3).
final class GcryptAESBlockCipher: AESBlockCipher {
    private let cipher: GcryptCipherHandle

    init(key: [UInt8]) throws(CryptoError) {
        let size = try AESKeySize(keyLength: key.count, algorithm: "AES-ECB")
        cipher = try GcryptCipherHandle(algorithm: size.gcryptAlgorithm, mode: GCRY_CIPHER_MODE_ECB, name: "AES-ECB")
        try cipher.setKey(key)
    }

    func encryptBlock(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        try LengthCheck.exactly(input.count, 16, "AES block input")
        try LengthCheck.exactly(output.count, 16, "AES block output")
        guard let source = input.baseAddress, let target = output.baseAddress else { return }
        // Copy first so that any overlap of input and output is harmless, then encrypt in place.
        target.copyMemory(from: source, byteCount: 16)
        try cipher.encrypt(target, count: 16)
    }
}

/// AES counter mode (RFC 3711 §4.1.1). libgcrypt's CTR increments the full 128-bit counter big-endian.
final class GcryptAESCounterMode: AESCounterMode {
    private var cipher: GcryptCipherHandle
    private var size: AESKeySize

    init(key: [UInt8]) throws(CryptoError) {
        size = try AESKeySize(keyLength: key.count, algorithm: "AES-CTR")
        cipher = try GcryptCipherHandle(algorithm: size.gcryptAlgorithm, mode: GCRY_CIPHER_MODE_CTR, name: "AES-CTR")
        try cipher.setKey(key)
    }

    func setKey(_ key: [UInt8]) throws {
        let newSize = try AESKeySize(keyLength: key.count, algorithm: "AES-CTR")
        // A gcrypt handle is bound to one algorithm (key size); another size needs another handle.
        if newSize != size {
            let replacement = try GcryptCipherHandle(
                algorithm: newSize.gcryptAlgorithm, mode: GCRY_CIPHER_MODE_CTR, name: "AES-CTR")
            try replacement.setKey(key)
            cipher = replacement
            size = newSize
        } else {
            try cipher.setKey(key)
        }
    }

    func apply(iv: UnsafeRawBufferPointer, to data: UnsafeMutableRawBufferPointer) throws {
        try LengthCheck.exactly(iv.count, 16, "AES-CTR initial counter")
        // setctr also discards any keystream left over from the previous packet.
        try GcryptErrors.check(gcry_cipher_setctr(cipher.handle, iv.baseAddress, 16), "gcry_cipher_setctr")
        guard let base = data.baseAddress else { return }
        try cipher.encrypt(base, count: data.count)
    }
}

/// AES-GCM (RFC 7714; NIST SP 800-38D), 12-byte IV, 16-byte tag.
final class GcryptAESGCM: AESGCM {
    private let cipher: GcryptCipherHandle

    init(key: [UInt8]) throws(CryptoError) {
        let size = try AESKeySize(keyLength: key.count, algorithm: "AES-GCM", allowed: [.aes128, .aes256])
        cipher = try GcryptCipherHandle(algorithm: size.gcryptAlgorithm, mode: GCRY_CIPHER_MODE_GCM, name: "AES-GCM")
        try cipher.setKey(key)
    }

    /// Reset (clears the previous packet's tag and lengths; keeps the key), new IV, then the AAD.
    private func start(iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer) throws(CryptoError) {
        try LengthCheck.exactly(iv.count, 12, "GCM IV")
        try cipher.reset()
        try cipher.setIV(iv)
        if aad.count > 0 {
            try GcryptErrors.check(
                gcry_cipher_authenticate(cipher.handle, aad.baseAddress, aad.count), "gcry_cipher_authenticate")
        }
    }

    func seal(
        iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer,
        tag: UnsafeMutableRawBufferPointer
    ) throws {
        try LengthCheck.exactly(tag.count, 16, "GCM tag")
        try start(iv: iv, aad: aad)
        if let base = data.baseAddress { try cipher.encrypt(base, count: data.count) }
        try GcryptErrors.check(gcry_cipher_gettag(cipher.handle, tag.baseAddress, 16), "gcry_cipher_gettag")
    }

    func open(
        iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer,
        tag: UnsafeRawBufferPointer
    ) throws -> Bool {
        try LengthCheck.exactly(tag.count, 16, "GCM tag")
        try start(iv: iv, aad: aad)
        if let base = data.baseAddress { try cipher.decrypt(base, count: data.count) }
        let result = gcry_cipher_checktag(cipher.handle, tag.baseAddress, 16)
        if result == 0 { return true }
        if GcryptErrors.code(result) == GPG_ERR_CHECKSUM.rawValue { return false }
        throw CryptoError.library("gcry_cipher_checktag", GcryptErrors.describe(result))
    }
}
