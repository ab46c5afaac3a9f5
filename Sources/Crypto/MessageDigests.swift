/// Hash functions and one-shot HMAC for the handshake side of srtpdump: the TLS PRF and RFC 5705
/// exporter behind DTLS-SRTP keys (RFC 5246 §5, RFC 2246 §5) and certificate fingerprints
/// (RFC 8122 §5). Nothing here is on the per-packet path, so each call allocates its own context.
///
/// Both providers conform (`OpenSSLProvider` through `EVP_MD`/`EVP_MAC`, `GcryptProvider` through
/// `gcry_md`/`gcry_mac`); `CryptoProviders.digests(of:)` gives the conformance of a provider.
public protocol MessageDigests: Sendable {
    /// The digest of `data`.
    func digest(_ algorithm: DigestAlgorithm, _ data: [UInt8]) throws -> [UInt8]
    /// HMAC (RFC 2104) of `data` under `key` with the hash `algorithm`. Empty keys are refused, as
    /// for `HMACSHA1`.
    func hmac(_ algorithm: DigestAlgorithm, key: [UInt8], data: [UInt8]) throws -> [UInt8]
}

/// The hash functions `MessageDigests` offers: those of the TLS 1.0 and 1.2 PRFs and the hash
/// functions of the "Hash Function Textual Names" registry that SDP fingerprints use (RFC 8122 §5).
public enum DigestAlgorithm: String, CaseIterable, Sendable {
    case md5 = "md-5"
    case sha1 = "sha-1"
    case sha224 = "sha-224"
    case sha256 = "sha-256"
    case sha384 = "sha-384"
    case sha512 = "sha-512"

    /// Output length in bytes.
    public var length: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha224: 28
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// The algorithm named as in `a=fingerprint` (`sha-256`, case-insensitive; RFC 8122 §5).
    public init?(textualName: String) {
        self.init(rawValue: textualName.lowercased())
    }
}

extension CryptoProviders {
    /// The `MessageDigests` side of `provider` (both built-in providers have one). Throws
    /// `algorithm-unavailable` for a provider without it.
    public static func digests(of provider: any CryptoProvider) throws -> any MessageDigests {
        guard let d = provider as? any MessageDigests else {
            throw CryptoError.unavailable("message digests", "provider \(provider.name) has none")
        }
        return d
    }
}
