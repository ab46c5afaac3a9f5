/// NOTE for the Transforms helper (crypto branch): the protocols below are unchanged from the skeleton.
/// Get a provider with `try CryptoProviders.named("openssl" | "gcrypt")`, `try CryptoProviders.default` (gcrypt, measured faster)
/// or `try CryptoProviders.all` (each provider is created once per process and shared). `OpenSSLProvider()`
/// and `GcryptProvider()` are public too. `CryptoError.code` is stable: "key-length", "buffer-length",
/// "algorithm-unavailable" (e.g. OpenSSL's legacy provider missing, so no DES), "library", "unknown-provider".
/// HMAC: call `reset()` before every MAC (including the first is harmless); empty HMAC keys are refused.
/// `AESCounterMode.apply` re-IVs the same context each call; `setKey` may change the AES key size.
/// The make* functions allocate; the per-packet methods do not.
///
/// The backend-neutral interface the SRTP-family transforms need from a crypto library.
///
/// Two implementations are always built: `OpenSSLProvider` (OpenSSL 3, EVP with explicitly fetched
/// algorithms) and `GcryptProvider` (libgcrypt). Contexts are created once per stream and then re-keyed
/// or re-IV'd per packet; no method on the per-packet path allocates.
///
/// Buffers are passed as raw pointers so that callers can work in place inside a frame buffer.
/// Every method checks the lengths it is given and throws `CryptoError` rather than trapping.
public protocol CryptoProvider: Sendable {
    /// Short identifier used on the command line (`--crypto openssl|gcrypt`).
    var name: String { get }
    /// The library and version, for reports.
    var version: String { get }

    /// AES-ECB single-block encryption (key derivation, F8's IV' and keystream blocks). Key: 16, 24 or 32 bytes.
    func makeAESBlockCipher(key: [UInt8]) throws -> any AESBlockCipher
    /// AES in counter mode (RFC 3711 §4.1.1): a 16-byte initial counter, the keystream XORed over the data.
    func makeAESCounterMode(key: [UInt8]) throws -> any AESCounterMode
    /// AES-GCM (RFC 7714): 12-byte IV, AAD, 16-byte tag. Key: 16 or 32 bytes.
    func makeAESGCM(key: [UInt8]) throws -> any AESGCM
    /// HMAC-SHA1 (RFC 2104), full 20-byte output; callers truncate.
    func makeHMACSHA1(key: [UInt8]) throws -> any HMACSHA1
    /// Single DES in CBC mode without padding (MS-RTPME). Key: 8 bytes (parity bits ignored).
    func makeDESCBC(key: [UInt8]) throws -> any DESCBC
    /// MD5 digest (MS-RTPME key derivation from the `k=` passphrase; not on the packet path).
    func md5(_ data: [UInt8]) throws -> [UInt8]
}

public protocol AESBlockCipher: AnyObject {
    /// Encrypts one 16-byte block from `input` into `output` (which may alias `input`).
    func encryptBlock(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws
}

public protocol AESCounterMode: AnyObject {
    /// Replaces the key (same length class as at creation is not required).
    func setKey(_ key: [UInt8]) throws
    /// XORs the keystream starting at the 16-byte big-endian counter `iv` over `data`, in place.
    /// The counter increments over the whole 128 bits, as RFC 3711 §4.1.1 specifies.
    func apply(iv: UnsafeRawBufferPointer, to data: UnsafeMutableRawBufferPointer) throws
}

public protocol AESGCM: AnyObject {
    /// Encrypts `data` in place and writes the 16-byte tag into `tag`.
    func seal(
        iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer,
        tag: UnsafeMutableRawBufferPointer) throws
    /// Decrypts `data` in place and checks `tag` (16 bytes). Returns false when the tag does not match;
    /// the content of `data` is then unspecified and must not be used.
    func open(
        iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer,
        tag: UnsafeRawBufferPointer
    ) throws -> Bool
}

public protocol HMACSHA1: AnyObject {
    /// Starts a new MAC computation with the current key.
    func reset() throws
    func update(_ data: UnsafeRawBufferPointer) throws
    /// Writes the 20-byte digest into `output` (at least 20 bytes). Call `reset()` before the next MAC.
    func finalize(into output: UnsafeMutableRawBufferPointer) throws
}

public protocol DESCBC: AnyObject {
    /// Decrypts `data` (a multiple of 8 bytes) in place with the 8-byte `iv`.
    func decrypt(iv: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer) throws
    /// Encrypts `data` (a multiple of 8 bytes) in place with the 8-byte `iv`.
    func encrypt(iv: UnsafeRawBufferPointer, data: UnsafeMutableRawBufferPointer) throws
}

/// Failures of the crypto layer. These are programming or environment errors (a bad key length,
/// a library that failed to load an algorithm), never a verdict on packet data.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }
}
