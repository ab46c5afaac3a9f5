internal import CGcrypt

/// Single DES-CBC without padding, for MS-RTPME.
///
/// MS-RTPME's DES key is the first 56 bits of an MD5 digest, so it can be one of DES's weak keys.
/// libgcrypt's `setkey` refuses those with `GPG_ERR_WEAK_KEY` unless the handle is told to allow them
/// (`GCRYCTL_SET_ALLOW_WEAK_KEY`); with that set, it installs the key and still returns the error as a
/// warning, which we then ignore. OpenSSL's legacy DES accepts weak keys silently; both agree.
final class GcryptDESCBC: DESCBC {
    private let cipher: GcryptCipherHandle

    init(key: [UInt8]) throws(CryptoError) {
        try LengthCheck.key(key, [8], "DES-CBC")
        cipher = try GcryptCipherHandle(algorithm: GCRY_CIPHER_DES, mode: GCRY_CIPHER_MODE_CBC, name: "DES-CBC")
        try GcryptErrors.check(
            gcry_cipher_ctl(cipher.handle, Int32(GCRYCTL_SET_ALLOW_WEAK_KEY.rawValue), nil, 1),
            "gcry_cipher_ctl(SET_ALLOW_WEAK_KEY)")
        let error = key.withUnsafeBytes { gcry_cipher_setkey(cipher.handle, $0.baseAddress, $0.count) }
        if error != 0 && GcryptErrors.code(error) != GPG_ERR_WEAK_KEY.rawValue {
            throw .library("gcry_cipher_setkey(DES-CBC)", GcryptErrors.describe(error))
        }
    }

    func decrypt(iv: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer) throws {
        try prepare(iv: iv, data: data)
        if let base = data.baseAddress { try cipher.decrypt(base, count: data.count) }
    }

    func encrypt(iv: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer) throws {
        try prepare(iv: iv, data: data)
        if let base = data.baseAddress { try cipher.encrypt(base, count: data.count) }
    }

    private func prepare(iv: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer) throws(CryptoError) {
        try LengthCheck.exactly(iv.count, 8, "DES-CBC IV")
        try LengthCheck.multiple(data.count, of: 8, "DES-CBC data")
        // setiv replaces the CBC chaining value left by the previous packet.
        try cipher.setIV(iv)
    }
}
