internal import COpenSSL

/// `MessageDigests` through OpenSSL 3: the digest is fetched by name from the provider's own library
/// context for each call (`EVP_MD_fetch`), HMAC goes through the already fetched `EVP_MAC` with the
/// digest as a parameter. One-shot calls: the handshake needs a few dozen of them per call.
extension OpenSSLProvider: MessageDigests {
    static func openSSLName(_ algorithm: DigestAlgorithm) -> String {
        switch algorithm {
        case .md5: "MD5"
        case .sha1: "SHA1"
        case .sha224: "SHA2-224"
        case .sha256: "SHA2-256"
        case .sha384: "SHA2-384"
        case .sha512: "SHA2-512"
        }
    }

    public func digest(_ algorithm: DigestAlgorithm, _ data: [UInt8]) throws -> [UInt8] {
        let name = Self.openSSLName(algorithm)
        guard let md = EVP_MD_fetch(libraryContext, name, nil) else {
            throw CryptoError.unavailable(name, OpenSSLErrors.drain())
        }
        defer { EVP_MD_free(md) }
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = data.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, md, nil)
            }
        }
        try OpenSSLErrors.check(result, "EVP_Digest(\(name))")
        guard Int(length) == algorithm.length else {
            throw CryptoError.library("EVP_Digest(\(name))", "wrote \(length) bytes, not \(algorithm.length)")
        }
        return Array(out.prefix(Int(length)))
    }

    public func hmac(_ algorithm: DigestAlgorithm, key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        let name = Self.openSSLName(algorithm)
        guard !key.isEmpty else { throw CryptoError.keyLength("HMAC-\(name)", got: 0, allowed: [algorithm.length]) }
        guard let context = EVP_MAC_CTX_new(hmac) else {
            throw CryptoError.library("EVP_MAC_CTX_new", OpenSSLErrors.drain())
        }
        defer { EVP_MAC_CTX_free(context) }
        var digestName: [CChar] = Array(name.utf8CString)
        let initialised = OSSL_MAC_PARAM_DIGEST.withCString { parameter in
            digestName.withUnsafeMutableBufferPointer { n in
                var parameters = [
                    OSSL_PARAM_construct_utf8_string(parameter, n.baseAddress, 0),
                    OSSL_PARAM_construct_end(),
                ]
                return key.withUnsafeBufferPointer { k in
                    EVP_MAC_init(context, k.baseAddress, k.count, &parameters)
                }
            }
        }
        try OpenSSLErrors.check(initialised, "EVP_MAC_init(HMAC-\(name))")
        let updated = data.withUnsafeBufferPointer { d in
            d.isEmpty ? 1 : EVP_MAC_update(context, d.baseAddress, d.count)
        }
        try OpenSSLErrors.check(updated, "EVP_MAC_update")
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var written = 0
        let finished = out.withUnsafeMutableBufferPointer { o in
            EVP_MAC_final(context, o.baseAddress, &written, o.count)
        }
        try OpenSSLErrors.check(finished, "EVP_MAC_final")
        guard written == algorithm.length else {
            throw CryptoError.library("EVP_MAC_final", "wrote \(written) bytes, not \(algorithm.length)")
        }
        return Array(out.prefix(written))
    }
}
