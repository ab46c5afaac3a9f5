internal import CGcrypt

/// One `gcry_cipher_hd_t`, opened when a stream's context is made and closed in deinit. Per packet
/// only the counter or IV is set (and, for GCM, the handle reset), which allocates nothing.
final class GcryptCipherHandle {
    let handle: OpaquePointer
    let algorithmName: String

    init(algorithm: gcry_cipher_algos, mode: gcry_cipher_modes, name: String) throws(CryptoError) {
        var handle: OpaquePointer?
        try GcryptErrors.check(
            gcry_cipher_open(&handle, Int32(algorithm.rawValue), Int32(mode.rawValue), 0), "gcry_cipher_open(\(name))")
        guard let handle else { throw .library("gcry_cipher_open(\(name))", "no handle returned") }
        self.handle = handle
        self.algorithmName = name
    }

    deinit { gcry_cipher_close(handle) }

    func setKey(_ key: [UInt8]) throws(CryptoError) {
        let error = key.withUnsafeBytes { gcry_cipher_setkey(handle, $0.baseAddress, $0.count) }
        try GcryptErrors.check(error, "gcry_cipher_setkey(\(algorithmName))")
    }

    /// `gcry_cipher_reset` is a macro over `gcry_cipher_ctl`: clears the mode state, keeps the key.
    func reset() throws(CryptoError) {
        try GcryptErrors.check(gcry_cipher_ctl(handle, Int32(GCRYCTL_RESET.rawValue), nil, 0), "gcry_cipher_reset")
    }

    func setIV(_ iv: UnsafeRawBufferPointer) throws(CryptoError) {
        try GcryptErrors.check(gcry_cipher_setiv(handle, iv.baseAddress, iv.count), "gcry_cipher_setiv")
    }

    /// In place over `count` bytes at `data` (gcrypt's in-place form passes no input buffer).
    func encrypt(_ data: UnsafeMutableRawPointer, count: Int) throws(CryptoError) {
        guard count > 0 else { return }
        try GcryptErrors.check(gcry_cipher_encrypt(handle, data, count, nil, 0), "gcry_cipher_encrypt")
    }

    func decrypt(_ data: UnsafeMutableRawPointer, count: Int) throws(CryptoError) {
        guard count > 0 else { return }
        try GcryptErrors.check(gcry_cipher_decrypt(handle, data, count, nil, 0), "gcry_cipher_decrypt")
    }
}

extension AESKeySize {
    var gcryptAlgorithm: gcry_cipher_algos {
        switch self {
        case .aes128: GCRY_CIPHER_AES  // GCRY_CIPHER_AES128 is a macro alias Swift does not import
        case .aes192: GCRY_CIPHER_AES192
        case .aes256: GCRY_CIPHER_AES256
        }
    }
}
