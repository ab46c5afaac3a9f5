internal import CGcrypt

/// `MessageDigests` through libgcrypt: `gcry_md_hash_buffer` for digests, a `gcry_mac` handle per
/// HMAC (opened, keyed, written, read, closed).
extension GcryptProvider: MessageDigests {
    static func gcryptDigest(_ algorithm: DigestAlgorithm) -> Int32 {
        switch algorithm {
        case .md5: Int32(GCRY_MD_MD5.rawValue)
        case .sha1: Int32(GCRY_MD_SHA1.rawValue)
        case .sha224: Int32(GCRY_MD_SHA224.rawValue)
        case .sha256: Int32(GCRY_MD_SHA256.rawValue)
        case .sha384: Int32(GCRY_MD_SHA384.rawValue)
        case .sha512: Int32(GCRY_MD_SHA512.rawValue)
        }
    }

    static func gcryptMAC(_ algorithm: DigestAlgorithm) -> Int32 {
        switch algorithm {
        case .md5: Int32(GCRY_MAC_HMAC_MD5.rawValue)
        case .sha1: Int32(GCRY_MAC_HMAC_SHA1.rawValue)
        case .sha224: Int32(GCRY_MAC_HMAC_SHA224.rawValue)
        case .sha256: Int32(GCRY_MAC_HMAC_SHA256.rawValue)
        case .sha384: Int32(GCRY_MAC_HMAC_SHA384.rawValue)
        case .sha512: Int32(GCRY_MAC_HMAC_SHA512.rawValue)
        }
    }

    public func digest(_ algorithm: DigestAlgorithm, _ data: [UInt8]) throws -> [UInt8] {
        let id = Self.gcryptDigest(algorithm)
        guard gcry_md_get_algo_dlen(id) == UInt32(algorithm.length) else {
            throw CryptoError.unavailable(algorithm.rawValue, "not provided by this libgcrypt")
        }
        var out = [UInt8](repeating: 0, count: algorithm.length)
        data.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                // Writes gcry_md_get_algo_dlen(id) bytes, checked above.
                gcry_md_hash_buffer(id, output.baseAddress, input.baseAddress, input.count)
            }
        }
        return out
    }

    public func hmac(_ algorithm: DigestAlgorithm, key: [UInt8], data: [UInt8]) throws -> [UInt8] {
        guard !key.isEmpty else {
            throw CryptoError.keyLength("HMAC-\(algorithm.rawValue)", got: 0, allowed: [algorithm.length])
        }
        var handle: OpaquePointer?
        try GcryptErrors.check(gcry_mac_open(&handle, Self.gcryptMAC(algorithm), 0, nil), "gcry_mac_open")
        guard let handle else { throw CryptoError.library("gcry_mac_open", "no handle returned") }
        defer { gcry_mac_close(handle) }
        try GcryptErrors.check(
            key.withUnsafeBytes { gcry_mac_setkey(handle, $0.baseAddress, $0.count) }, "gcry_mac_setkey")
        if !data.isEmpty {
            try GcryptErrors.check(
                data.withUnsafeBytes { gcry_mac_write(handle, $0.baseAddress, $0.count) }, "gcry_mac_write")
        }
        var out = [UInt8](repeating: 0, count: algorithm.length)
        var length = out.count
        try GcryptErrors.check(
            out.withUnsafeMutableBytes { gcry_mac_read(handle, $0.baseAddress, &length) }, "gcry_mac_read")
        guard length == algorithm.length else {
            throw CryptoError.library("gcry_mac_read", "wrote \(length) bytes, not \(algorithm.length)")
        }
        return out
    }
}
