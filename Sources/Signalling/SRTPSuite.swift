/// An SRTP crypto-suite as SDES names it, with the master key and salt lengths its key-params carry.
///
/// Sources: RFC 4568 §6.2 (AES_CM_128_HMAC_SHA1_80/32, F8_128_HMAC_SHA1_80), RFC 6188 §7 (AES_192/256),
/// RFC 7714 §14.2 (AEAD_AES_128/256_GCM, 12-byte salt), and the NULL-cipher suites that libsrtp and
/// SBCs offer for testing (authentication only, AES-128 key sizes).
public struct SRTPSuite: Hashable, Sendable {
    public var name: String
    public var masterKeyLength: Int
    public var masterSaltLength: Int
    /// SRTP authentication tag length in bytes (10 or 4 for HMAC-SHA1, 16 for GCM).
    public var authTagLength: Int
    public var isAEAD: Bool
    public var isNullCipher: Bool

    public var keySaltLength: Int { masterKeyLength + masterSaltLength }

    init(_ name: String, key: Int, salt: Int, tag: Int, aead: Bool = false, nullCipher: Bool = false) {
        self.name = name
        masterKeyLength = key
        masterSaltLength = salt
        authTagLength = tag
        isAEAD = aead
        isNullCipher = nullCipher
    }

    public static let all: [SRTPSuite] = [
        SRTPSuite("AES_CM_128_HMAC_SHA1_80", key: 16, salt: 14, tag: 10),
        SRTPSuite("AES_CM_128_HMAC_SHA1_32", key: 16, salt: 14, tag: 4),
        SRTPSuite("F8_128_HMAC_SHA1_80", key: 16, salt: 14, tag: 10),
        SRTPSuite("AES_192_CM_HMAC_SHA1_80", key: 24, salt: 14, tag: 10),
        SRTPSuite("AES_192_CM_HMAC_SHA1_32", key: 24, salt: 14, tag: 4),
        SRTPSuite("AES_256_CM_HMAC_SHA1_80", key: 32, salt: 14, tag: 10),
        SRTPSuite("AES_256_CM_HMAC_SHA1_32", key: 32, salt: 14, tag: 4),
        SRTPSuite("AEAD_AES_128_GCM", key: 16, salt: 12, tag: 16, aead: true),
        SRTPSuite("AEAD_AES_256_GCM", key: 32, salt: 12, tag: 16, aead: true),
        SRTPSuite("NULL_HMAC_SHA1_80", key: 16, salt: 14, tag: 10, nullCipher: true),
        SRTPSuite("NULL_HMAC_SHA1_32", key: 16, salt: 14, tag: 4, nullCipher: true),
    ]

    /// Spellings seen in the field for the RFC 6188 suites (pre-RFC drafts put the size after "CM").
    static let aliases: [String: String] = [
        "AES_CM_192_HMAC_SHA1_80": "AES_192_CM_HMAC_SHA1_80", "AES_CM_192_HMAC_SHA1_32": "AES_192_CM_HMAC_SHA1_32",
        "AES_CM_256_HMAC_SHA1_80": "AES_256_CM_HMAC_SHA1_80", "AES_CM_256_HMAC_SHA1_32": "AES_256_CM_HMAC_SHA1_32",
    ]

    /// The suite for an SDES name (case-sensitive as RFC 4568 §9.1 registers them, aliases accepted).
    public static func named(_ name: String) -> SRTPSuite? {
        let canonical = aliases[name] ?? name
        return all.first { $0.name == canonical }
    }
}
