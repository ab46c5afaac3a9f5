internal import CGcrypt

/// HMAC-SHA1 (RFC 2104) through `gcry_mac`. `reset()` is `gcry_mac_reset` (a macro over
/// `gcry_mac_ctl(GCRYCTL_RESET)`), which restarts the computation with the key already set.
final class GcryptHMACSHA1: HMACSHA1 {
    private let handle: OpaquePointer

    init(key: [UInt8]) throws(CryptoError) {
        // Empty keys are refused on both providers; see OpenSSLHMACSHA1.
        guard !key.isEmpty else { throw .keyLength("HMAC-SHA1", got: 0, allowed: [20]) }
        var handle: OpaquePointer?
        try GcryptErrors.check(
            gcry_mac_open(&handle, Int32(GCRY_MAC_HMAC_SHA1.rawValue), 0, nil), "gcry_mac_open(HMAC-SHA1)")
        guard let handle else { throw .library("gcry_mac_open(HMAC-SHA1)", "no handle returned") }
        self.handle = handle
        let error = key.withUnsafeBytes { gcry_mac_setkey(handle, $0.baseAddress, $0.count) }
        try GcryptErrors.check(error, "gcry_mac_setkey")
    }

    deinit { gcry_mac_close(handle) }

    func reset() throws {
        try GcryptErrors.check(gcry_mac_ctl(handle, Int32(GCRYCTL_RESET.rawValue), nil, 0), "gcry_mac_reset")
    }

    func update(_ data: UnsafeRawBufferPointer) throws {
        guard data.count > 0 else { return }
        try GcryptErrors.check(gcry_mac_write(handle, data.baseAddress, data.count), "gcry_mac_write")
    }

    func finalize(into output: UnsafeMutableRawBufferPointer) throws {
        try LengthCheck.atLeast(output.count, 20, "HMAC-SHA1 output")
        var length = 20
        try GcryptErrors.check(gcry_mac_read(handle, output.baseAddress, &length), "gcry_mac_read")
        guard length == 20 else { throw CryptoError.library("gcry_mac_read", "wrote \(length) bytes, not 20") }
    }
}
