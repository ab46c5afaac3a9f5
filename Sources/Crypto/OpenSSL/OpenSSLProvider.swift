internal import COpenSSL

/// The OpenSSL 3 provider.
///
/// Algorithms are fetched explicitly (`EVP_CIPHER_fetch`, `EVP_MAC_fetch`, `EVP_MD_fetch`) once, when the
/// provider is created, from a library context of our own. OpenSSL 3 otherwise performs an implicit
/// fetch (a name lookup under a lock) inside every `EVP_*Init` that is given a legacy `EVP_aes_*()`
/// handle; fetching once keeps that off the per-packet path, and the private context keeps the
/// "legacy" provider we load for DES from changing what the rest of the process sees.
///
/// Context objects made here hold a strong reference to the provider, so the fetched algorithms and
/// the library context outlive every context that uses them.
public final class OpenSSLProvider: CryptoProvider, @unchecked Sendable {
    // @unchecked Sendable: every stored property is set in init and never mutated; fetched OpenSSL
    // algorithm objects are immutable and documented as safe to share between threads.

    public let name = "openssl"
    public let version: String

    let libraryContext: OpaquePointer
    private let defaultProvider: OpaquePointer
    private let legacyProvider: OpaquePointer?
    /// Why DES is unavailable, when the legacy provider could not be loaded or DES-CBC not fetched.
    private let desFailure: String?

    let ecb: [AESKeySize: OpaquePointer]
    let ctr: [AESKeySize: OpaquePointer]
    let gcm: [AESKeySize: OpaquePointer]
    let desCBC: OpaquePointer?
    let hmac: OpaquePointer
    let md5Digest: OpaquePointer

    public init() throws {
        guard let context = OSSL_LIB_CTX_new() else {
            throw CryptoError.library("OSSL_LIB_CTX_new", OpenSSLErrors.drain())
        }
        // Everything below is released by `release` on the failure paths, by deinit otherwise.
        var fetched: [OpaquePointer] = []  // ciphers
        var fetchedMAC: OpaquePointer?
        var loadedDefault: OpaquePointer?
        func release() {
            for cipher in fetched { EVP_CIPHER_free(cipher) }
            if let mac = fetchedMAC { EVP_MAC_free(mac) }
            if let provider = loadedDefault { OSSL_PROVIDER_unload(provider) }
            OSSL_LIB_CTX_free(context)
        }

        // Loading any provider explicitly turns off the implicit loading of "default", so both are
        // loaded by name.
        guard let defaultProvider = OSSL_PROVIDER_load(context, "default") else {
            let detail = OpenSSLErrors.drain()
            release()
            throw CryptoError.unavailable("OpenSSL default provider", detail)
        }
        loadedDefault = defaultProvider

        func fetchCipher(_ name: String) throws(CryptoError) -> OpaquePointer {
            guard let cipher = EVP_CIPHER_fetch(context, name, nil) else {
                throw .unavailable(name, OpenSSLErrors.drain())
            }
            fetched.append(cipher)
            return cipher
        }
        var ecb: [AESKeySize: OpaquePointer] = [:]
        var ctr: [AESKeySize: OpaquePointer] = [:]
        var gcm: [AESKeySize: OpaquePointer] = [:]
        let mac: OpaquePointer
        let md: OpaquePointer
        do {
            for size in AESKeySize.allCases {
                ecb[size] = try fetchCipher("AES-\(size.bits)-ECB")
                ctr[size] = try fetchCipher("AES-\(size.bits)-CTR")
                gcm[size] = try fetchCipher("AES-\(size.bits)-GCM")
            }
            guard let hmac = EVP_MAC_fetch(context, "HMAC", nil) else {
                throw CryptoError.unavailable("HMAC", OpenSSLErrors.drain())
            }
            fetchedMAC = hmac
            guard let digest = EVP_MD_fetch(context, "MD5", nil) else {
                throw CryptoError.unavailable("MD5", OpenSSLErrors.drain())
            }
            mac = hmac
            md = digest
        } catch {
            release()
            throw error
        }

        // Single DES lives in the "legacy" provider since OpenSSL 3.0 (see migration_guide(7)). Its
        // absence only disables MS-RTPME, so it is recorded rather than thrown here.
        var legacy: OpaquePointer?
        var des: OpaquePointer?
        var failure: String?
        if let provider = OSSL_PROVIDER_load(context, "legacy") {
            legacy = provider
            des = EVP_CIPHER_fetch(context, "DES-CBC", nil)
            if des == nil { failure = "DES-CBC not found in the legacy provider: \(OpenSSLErrors.drain())" }
        } else {
            failure = "the OpenSSL \"legacy\" provider could not be loaded (\(OpenSSLErrors.drain()))"
        }

        self.libraryContext = context
        self.defaultProvider = defaultProvider
        self.legacyProvider = legacy
        self.desFailure = failure
        self.ecb = ecb
        self.ctr = ctr
        self.gcm = gcm
        self.desCBC = des
        self.hmac = mac
        self.md5Digest = md
        self.version = String(cString: OpenSSL_version(OPENSSL_VERSION))
    }

    deinit {
        for cipher in ecb.values { EVP_CIPHER_free(cipher) }
        for cipher in ctr.values { EVP_CIPHER_free(cipher) }
        for cipher in gcm.values { EVP_CIPHER_free(cipher) }
        if let des = desCBC { EVP_CIPHER_free(des) }
        EVP_MAC_free(hmac)
        EVP_MD_free(md5Digest)
        if let legacy = legacyProvider { OSSL_PROVIDER_unload(legacy) }
        OSSL_PROVIDER_unload(defaultProvider)
        OSSL_LIB_CTX_free(libraryContext)
    }

    /// Whether single DES (MS-RTPME) is available, i.e. the legacy provider loaded.
    public var supportsDES: Bool { desCBC != nil }

    public func makeAESBlockCipher(key: [UInt8]) throws -> any AESBlockCipher {
        try OpenSSLAESBlockCipher(provider: self, key: key)
    }

    public func makeAESCounterMode(key: [UInt8]) throws -> any AESCounterMode {
        try OpenSSLAESCounterMode(provider: self, key: key)
    }

    public func makeAESGCM(key: [UInt8]) throws -> any AESGCM {
        try OpenSSLAESGCM(provider: self, key: key)
    }

    public func makeHMACSHA1(key: [UInt8]) throws -> any HMACSHA1 {
        try OpenSSLHMACSHA1(provider: self, key: key)
    }

    public func makeDESCBC(key: [UInt8]) throws -> any DESCBC {
        guard let cipher = desCBC else {
            throw CryptoError.unavailable("DES-CBC", desFailure ?? "not available")
        }
        return try OpenSSLDESCBC(provider: self, cipher: cipher, key: key)
    }

    public func md5(_ data: [UInt8]) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let result = data.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, md5Digest, nil)
            }
        }
        try OpenSSLErrors.check(result, "EVP_Digest(MD5)")
        return Array(digest.prefix(Int(length)))
    }
}
