internal import CGcrypt
internal import CGcryptShim

/// The libgcrypt provider.
///
/// libgcrypt must be initialised once per process before any other call (version check, secure
/// memory off, "initialisation finished"); that takes the variadic `gcry_control`, which Swift cannot
/// call, so it goes through `srtpdump_gcrypt_initialize()` in the CGcryptShim C target. The shim is
/// idempotent, and creating a provider runs it.
public struct GcryptProvider: CryptoProvider {
    public let name = "gcrypt"
    public let version: String

    /// The shim's result, computed once per process: a Swift global is initialised exactly once even when
    /// providers are created on several threads, and libgcrypt wants its initialisation done before any
    /// concurrent use.
    private static let initialisation: Int32 = srtpdump_gcrypt_initialize()

    public init() throws {
        guard Self.initialisation == 0 else {
            throw CryptoError.unavailable(
                "libgcrypt", "initialisation failed: the library is older than the headers (\(GCRYPT_VERSION))")
        }
        // gcry_check_version(NULL) only reports the running version.
        version = "libgcrypt " + (gcry_check_version(nil).map { String(cString: $0) } ?? "unknown")
    }

    public func makeAESBlockCipher(key: [UInt8]) throws -> any AESBlockCipher {
        try GcryptAESBlockCipher(key: key)
    }

    public func makeAESCounterMode(key: [UInt8]) throws -> any AESCounterMode {
        try GcryptAESCounterMode(key: key)
    }

    public func makeAESGCM(key: [UInt8]) throws -> any AESGCM {
        try GcryptAESGCM(key: key)
    }

    public func makeHMACSHA1(key: [UInt8]) throws -> any HMACSHA1 {
        try GcryptHMACSHA1(key: key)
    }

    public func makeDESCBC(key: [UInt8]) throws -> any DESCBC {
        try GcryptDESCBC(key: key)
    }

    public func md5(_ data: [UInt8]) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 16)
        data.withUnsafeBytes { input in
            digest.withUnsafeMutableBytes { output in
                // Never fails for a built-in algorithm; writes gcry_md_get_algo_dlen(MD5) = 16 bytes.
                gcry_md_hash_buffer(Int32(GCRY_MD_MD5.rawValue), output.baseAddress, input.baseAddress, input.count)
            }
        }
        return digest
    }
}
