internal import COpenSSL

/// HMAC-SHA1 (RFC 2104) through `EVP_MAC`. The key is given once; `reset()` calls
/// `EVP_MAC_init(ctx, NULL, 0, NULL)`, which in OpenSSL 3.0's HMAC implementation re-initialises from
/// the stored key (`HMAC_Init_ex(ctx, NULL, 0, NULL, NULL)` restores the saved inner state) without
/// hashing the key again.
final class OpenSSLHMACSHA1: HMACSHA1 {
    private let provider: OpenSSLProvider
    private let context: OpaquePointer

    init(provider: OpenSSLProvider, key: [UInt8]) throws(CryptoError) {
        // RFC 2104 allows any key length, but no SRTP-family key is empty, and an empty key is the
        // sign of a caller bug; refusing it also keeps both providers identical.
        guard !key.isEmpty else { throw .keyLength("HMAC-SHA1", got: 0, allowed: [20]) }
        guard let context = EVP_MAC_CTX_new(provider.hmac) else {
            throw .library("EVP_MAC_CTX_new", OpenSSLErrors.drain())
        }
        self.provider = provider
        self.context = context
        // The digest is a parameter of the MAC, passed as an OSSL_PARAM array; the strings must live
        // for the duration of the call.
        var digestName: [CChar] = Array("SHA1".utf8CString)
        let result = OSSL_MAC_PARAM_DIGEST.withCString { parameter in
            digestName.withUnsafeMutableBufferPointer { name in
                var parameters = [
                    OSSL_PARAM_construct_utf8_string(parameter, name.baseAddress, 0),
                    OSSL_PARAM_construct_end(),
                ]
                return key.withUnsafeBufferPointer { keyBytes in
                    EVP_MAC_init(context, keyBytes.baseAddress, keyBytes.count, &parameters)
                }
            }
        }
        try OpenSSLErrors.check(result, "EVP_MAC_init(HMAC-SHA1)")
    }

    deinit { EVP_MAC_CTX_free(context) }

    func reset() throws {
        try OpenSSLErrors.check(EVP_MAC_init(context, nil, 0, nil), "EVP_MAC_init(reset)")
    }

    func update(_ data: UnsafeRawBufferPointer) throws {
        guard let base = data.baseAddress, data.count > 0 else { return }
        try OpenSSLErrors.check(
            EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), data.count), "EVP_MAC_update")
    }

    func finalize(into output: UnsafeMutableRawBufferPointer) throws {
        try LengthCheck.atLeast(output.count, 20, "HMAC-SHA1 output")
        guard let base = output.baseAddress else { return }
        var written = 0
        try OpenSSLErrors.check(
            EVP_MAC_final(context, base.assumingMemoryBound(to: UInt8.self), &written, output.count),
            "EVP_MAC_final")
        guard written == 20 else { throw CryptoError.library("EVP_MAC_final", "wrote \(written) bytes, not 20") }
    }
}
