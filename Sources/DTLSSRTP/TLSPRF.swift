import Crypto

/// The TLS pseudo-random functions, built on the providers' HMAC (the construction is ours, the
/// primitives are OpenSSL's or libgcrypt's).
///
/// - TLS 1.2 (RFC 5246 §5): `PRF(secret, label, seed) = P_<hash>(secret, label + seed)`, with the
///   cipher suite's PRF hash (SHA-256 unless the suite says otherwise). DTLS 1.2 uses it (RFC 6347 §4.2).
/// - TLS 1.0/1.1 (RFC 2246 §5, RFC 4346 §5): the secret is split in two halves S1 and S2 (sharing a
///   byte when its length is odd), and `PRF = P_MD5(S1, label + seed) XOR P_SHA-1(S2, label + seed)`.
///   DTLS 1.0 is TLS 1.1 for datagrams (RFC 4347 §4) and uses it.
public enum TLSPRF: Hashable, Sendable {
    case tls10
    case tls12(DigestAlgorithm)

    /// `length` bytes of PRF output.
    public func compute(
        secret: [UInt8], label: [UInt8], seed: [UInt8], length: Int, digests: any MessageDigests
    ) throws -> [UInt8] {
        let labelSeed = label + seed
        switch self {
        case .tls12(let hash):
            return try Self.pHash(hash, secret: secret, seed: labelSeed, length: length, digests: digests)
        case .tls10:
            let half = (secret.count + 1) / 2
            let s1 = Array(secret.prefix(half))
            let s2 = Array(secret.suffix(half))
            let md5 = try Self.pHash(.md5, secret: s1, seed: labelSeed, length: length, digests: digests)
            let sha1 = try Self.pHash(.sha1, secret: s2, seed: labelSeed, length: length, digests: digests)
            return zip(md5, sha1).map { $0 ^ $1 }
        }
    }

    /// `P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + …`, with
    /// `A(0) = seed` and `A(i) = HMAC(secret, A(i-1))` (RFC 5246 §5), cut to `length`.
    static func pHash(
        _ hash: DigestAlgorithm, secret: [UInt8], seed: [UInt8], length: Int, digests: any MessageDigests
    ) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(length + hash.length)
        var a = seed
        while out.count < length {
            a = try digests.hmac(hash, key: secret, data: a)
            out += try digests.hmac(hash, key: secret, data: a + seed)
        }
        return Array(out.prefix(length))
    }

    public var name: String {
        switch self {
        case .tls10: "TLS 1.0 PRF (MD5 ⊕ SHA-1)"
        case .tls12(let h): "TLS 1.2 PRF (P_\(h.rawValue.uppercased().replacingOccurrences(of: "-", with: "")))"
        }
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Substring(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}
