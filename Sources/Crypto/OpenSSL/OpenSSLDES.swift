internal import COpenSSL

/// Single DES in CBC mode without padding, for MS-RTPME. Fetched from the "legacy" provider.
final class OpenSSLDESCBC: DESCBC {
    private let provider: OpenSSLProvider
    private let encrypter: OpenSSLCipherContext
    private let decrypter: OpenSSLCipherContext

    init(provider: OpenSSLProvider, cipher: OpaquePointer, key: [UInt8]) throws(CryptoError) {
        try LengthCheck.key(key, [8], "DES-CBC")
        self.provider = provider
        // The legacy provider sets DES keys without checking parity or weak keys (DES_set_key_unchecked),
        // which is what MS-RTPME needs: its key is the first 56 bits of an MD5 digest, whatever they are.
        self.encrypter = try OpenSSLCipherContext(cipher: cipher, key: key, encrypting: true, padding: false)
        self.decrypter = try OpenSSLCipherContext(cipher: cipher, key: key, encrypting: false, padding: false)
    }

    func decrypt(iv: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer) throws {
        try run(decrypter, iv: iv, data: data)
    }

    func encrypt(iv: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer) throws {
        try run(encrypter, iv: iv, data: data)
    }

    private func run(
        _ context: OpenSSLCipherContext, iv: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer
    ) throws(CryptoError) {
        try LengthCheck.exactly(iv.count, 8, "DES-CBC IV")
        try LengthCheck.multiple(data.count, of: 8, "DES-CBC data")
        try context.setIV(iv)
        guard let base = data.baseAddress else { return }
        try context.update(base, base, count: data.count)
    }
}
