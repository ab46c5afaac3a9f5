internal import COpenSSL

/// One `EVP_CIPHER_CTX`, created when a stream's context is made and reused for every packet:
/// keyed once, then only re-IV'd (`EVP_EncryptInit_ex2(ctx, nil, nil, iv, nil)` keeps the key
/// schedule and resets the stream position), so the per-packet path allocates nothing.
final class OpenSSLCipherContext {
    private let context: OpaquePointer
    /// The direction the context was keyed for. AES decryption uses a different key schedule, so a
    /// context is never switched between directions; DES-CBC keeps one context per direction.
    let encrypting: Bool

    init(cipher: OpaquePointer, key: [UInt8], encrypting: Bool, padding: Bool) throws(CryptoError) {
        guard let context = EVP_CIPHER_CTX_new() else {
            throw .library("EVP_CIPHER_CTX_new", OpenSSLErrors.drain())
        }
        self.context = context
        self.encrypting = encrypting
        try setKey(key, cipher: cipher)
        if !padding {
            try OpenSSLErrors.check(EVP_CIPHER_CTX_set_padding(context, 0), "EVP_CIPHER_CTX_set_padding")
        }
    }

    deinit { EVP_CIPHER_CTX_free(context) }

    /// Keys (or re-keys) the context; `cipher` may differ from the previous one (another key size).
    func setKey(_ key: [UInt8], cipher: OpaquePointer) throws(CryptoError) {
        let result = key.withUnsafeBufferPointer { bytes in
            encrypting
                ? EVP_EncryptInit_ex2(context, cipher, bytes.baseAddress, nil, nil)
                : EVP_DecryptInit_ex2(context, cipher, bytes.baseAddress, nil, nil)
        }
        try OpenSSLErrors.check(result, encrypting ? "EVP_EncryptInit_ex2" : "EVP_DecryptInit_ex2")
    }

    /// Sets a new IV and resets the stream state, keeping the key.
    func setIV(_ iv: UnsafeRawBufferPointer) throws(CryptoError) {
        let pointer = iv.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let result =
            encrypting
            ? EVP_EncryptInit_ex2(context, nil, nil, pointer, nil)
            : EVP_DecryptInit_ex2(context, nil, nil, pointer, nil)
        try OpenSSLErrors.check(result, encrypting ? "EVP_EncryptInit_ex2(iv)" : "EVP_DecryptInit_ex2(iv)")
    }

    /// Feeds additional authenticated data (AEAD modes): an update with no output buffer.
    func addAAD(_ aad: UnsafeRawBufferPointer) throws(CryptoError) {
        guard let base = aad.baseAddress, aad.count > 0 else { return }
        try LengthCheck.fitsInt32(aad.count, "AAD")
        var written: Int32 = 0
        let pointer = base.assumingMemoryBound(to: UInt8.self)
        let result =
            encrypting
            ? EVP_EncryptUpdate(context, nil, &written, pointer, Int32(aad.count))
            : EVP_DecryptUpdate(context, nil, &written, pointer, Int32(aad.count))
        try OpenSSLErrors.check(result, "EVP_CipherUpdate(AAD)")
    }

    /// Transforms `count` bytes from `input` to `output`. They must be the same memory or not overlap
    /// at all (OpenSSL refuses partial overlap); callers arrange that.
    func update(_ input: UnsafeRawPointer, _ output: UnsafeMutableRawPointer, count: Int) throws(CryptoError) {
        guard count > 0 else { return }
        try LengthCheck.fitsInt32(count, "data")
        var written: Int32 = 0
        let source = input.assumingMemoryBound(to: UInt8.self)
        let target = output.assumingMemoryBound(to: UInt8.self)
        let result =
            encrypting
            ? EVP_EncryptUpdate(context, target, &written, source, Int32(count))
            : EVP_DecryptUpdate(context, target, &written, source, Int32(count))
        try OpenSSLErrors.check(result, "EVP_CipherUpdate")
        // Stream modes and unpadded block modes on whole blocks return everything at once; anything
        // else would mean bytes were held back and the caller's buffer left partly untransformed.
        guard Int(written) == count else {
            throw .library("EVP_CipherUpdate", "wrote \(written) of \(count) bytes")
        }
    }

    /// Finishes an AEAD operation. For decryption returns false when the tag does not verify.
    func finish() throws(CryptoError) -> Bool {
        var written: Int32 = 0
        // GCM's final writes no bytes, but the API wants an output buffer: one block on the stack.
        let result = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { scratch in
            encrypting
                ? EVP_EncryptFinal_ex(context, scratch.baseAddress, &written)
                : EVP_DecryptFinal_ex(context, scratch.baseAddress, &written)
        }
        if result == 1 { return true }
        if encrypting { throw .library("EVP_EncryptFinal_ex", OpenSSLErrors.drain()) }
        // A tag mismatch: not an error of the library, but keep the error queue clean.
        ERR_clear_error()
        return false
    }

    /// `EVP_CIPHER_CTX_ctrl` for the AEAD tag controls (set the expected tag, read the computed one).
    func control(_ type: Int32, _ length: Int, _ buffer: UnsafeMutableRawPointer) throws(CryptoError) {
        try OpenSSLErrors.check(
            EVP_CIPHER_CTX_ctrl(context, type, Int32(length), buffer), "EVP_CIPHER_CTX_ctrl(\(type))")
    }
}
