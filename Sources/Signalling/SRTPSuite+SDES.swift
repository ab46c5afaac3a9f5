import Transforms

/// What SDES needs of `Transforms.SRTPSuite` besides what the transforms run: the key||salt length a
/// key-param carries, and the older spellings of the RFC 6188 names.
///
/// Sources: RFC 4568 §6.2 (AES_CM_128_HMAC_SHA1_80/32, F8_128_HMAC_SHA1_80), RFC 6188 §7 (AES_192/256),
/// RFC 7714 §14.2 (AEAD_AES_128/256_GCM, 12-byte salt).
extension SRTPSuite {
    /// Bytes of key||salt in an `inline:` key-param (RFC 4568 §6.1).
    public var keySaltLength: Int { keyLength + saltLength }

    /// Spellings seen in the field for the RFC 6188 suites (pre-RFC drafts put the size after "CM").
    static let sdesAliases: [String: String] = [
        "AES_CM_192_HMAC_SHA1_80": "AES_192_CM_HMAC_SHA1_80", "AES_CM_192_HMAC_SHA1_32": "AES_192_CM_HMAC_SHA1_32",
        "AES_CM_256_HMAC_SHA1_80": "AES_256_CM_HMAC_SHA1_80", "AES_CM_256_HMAC_SHA1_32": "AES_256_CM_HMAC_SHA1_32",
    ]

    /// The suite for an SDES name (case-sensitive as RFC 4568 §9.2 registers them, older aliases accepted).
    public static func sdesNamed(_ name: String) -> SRTPSuite? {
        named(sdesAliases[name] ?? name)
    }
}
