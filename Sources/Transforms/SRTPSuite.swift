/// The SRTP crypto suites srtpdump understands, with the lengths each one fixes.
///
/// Names are the SDES names (RFC 4568 §6.2, RFC 6188 §6, RFC 7714 §14.2). The NULL-cipher suites are
/// libsrtp's names for RFC 3711's NULL cipher (§4.1.3) with HMAC-SHA1 (§4.2.1).
public struct SRTPSuite: Sendable, Hashable, CustomStringConvertible {
    /// How the payload is encrypted.
    public enum Cipher: Sendable, Hashable {
        /// AES in counter mode, RFC 3711 §4.1.1 (and RFC 6188 for 192/256-bit keys).
        case aesCM
        /// AES in f8 mode, RFC 3711 §4.1.2.
        case aesF8
        /// AES-GCM, RFC 7714: encryption and authentication in one; no HMAC.
        case aesGCM
        /// No encryption, RFC 3711 §4.1.3.
        case null
    }

    public var name: String
    public var cipher: Cipher
    /// Master and session encryption key length in bytes (the KDF's AES key size, RFC 6188 §3).
    public var keyLength: Int
    /// Master salt length: 14 (112 bits, RFC 3711 §8.2) or 12 for the AEAD suites (RFC 7714 §12).
    public var saltLength: Int
    /// SRTP authentication tag length: 10 or 4 (HMAC-SHA1), 16 for GCM.
    public var rtpTagLength: Int
    /// SRTCP authentication tag length: always 10 for HMAC-SHA1, even for the _32 suites (RFC 4568
    /// §6.2.2: "... SRTCP ... 80-bit authentication tag"), 16 for GCM.
    public var rtcpTagLength: Int

    /// HMAC-SHA1 session authentication key length (RFC 3711 §8.2: n_a = 160 bits); 0 for GCM.
    public var authKeyLength: Int { cipher == .aesGCM ? 0 : 20 }
    /// The session salt length: 14, or 12 for GCM (RFC 7714 §12).
    public var sessionSaltLength: Int { saltLength }
    /// True for the AEAD suites, whose tag comes out of the cipher.
    public var isAEAD: Bool { cipher == .aesGCM }

    public var description: String { name }

    public static let aesCM128HMACSHA1_80 = SRTPSuite(
        name: "AES_CM_128_HMAC_SHA1_80", cipher: .aesCM, keyLength: 16, saltLength: 14, rtpTagLength: 10,
        rtcpTagLength: 10)
    public static let aesCM128HMACSHA1_32 = SRTPSuite(
        name: "AES_CM_128_HMAC_SHA1_32", cipher: .aesCM, keyLength: 16, saltLength: 14, rtpTagLength: 4,
        rtcpTagLength: 10)
    public static let aes192CMHMACSHA1_80 = SRTPSuite(
        name: "AES_192_CM_HMAC_SHA1_80", cipher: .aesCM, keyLength: 24, saltLength: 14, rtpTagLength: 10,
        rtcpTagLength: 10)
    public static let aes192CMHMACSHA1_32 = SRTPSuite(
        name: "AES_192_CM_HMAC_SHA1_32", cipher: .aesCM, keyLength: 24, saltLength: 14, rtpTagLength: 4,
        rtcpTagLength: 10)
    public static let aes256CMHMACSHA1_80 = SRTPSuite(
        name: "AES_256_CM_HMAC_SHA1_80", cipher: .aesCM, keyLength: 32, saltLength: 14, rtpTagLength: 10,
        rtcpTagLength: 10)
    public static let aes256CMHMACSHA1_32 = SRTPSuite(
        name: "AES_256_CM_HMAC_SHA1_32", cipher: .aesCM, keyLength: 32, saltLength: 14, rtpTagLength: 4,
        rtcpTagLength: 10)
    public static let aeadAES128GCM = SRTPSuite(
        name: "AEAD_AES_128_GCM", cipher: .aesGCM, keyLength: 16, saltLength: 12, rtpTagLength: 16, rtcpTagLength: 16)
    public static let aeadAES256GCM = SRTPSuite(
        name: "AEAD_AES_256_GCM", cipher: .aesGCM, keyLength: 32, saltLength: 12, rtpTagLength: 16, rtcpTagLength: 16)
    public static let f8_128HMACSHA1_80 = SRTPSuite(
        name: "F8_128_HMAC_SHA1_80", cipher: .aesF8, keyLength: 16, saltLength: 14, rtpTagLength: 10, rtcpTagLength: 10)
    /// The NULL cipher keeps the AES-128 KDF of the default suite (RFC 3711 §8.2; libsrtp's
    /// `srtp_crypto_policy_set_null_cipher_hmac_sha1_80` takes a 30-byte key||salt too).
    public static let nullHMACSHA1_80 = SRTPSuite(
        name: "NULL_HMAC_SHA1_80", cipher: .null, keyLength: 16, saltLength: 14, rtpTagLength: 10, rtcpTagLength: 10)
    public static let nullHMACSHA1_32 = SRTPSuite(
        name: "NULL_HMAC_SHA1_32", cipher: .null, keyLength: 16, saltLength: 14, rtpTagLength: 4, rtcpTagLength: 10)

    /// Every suite, in a stable order.
    public static let all: [SRTPSuite] = [
        .aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32, .aes192CMHMACSHA1_80, .aes192CMHMACSHA1_32,
        .aes256CMHMACSHA1_80, .aes256CMHMACSHA1_32, .aeadAES128GCM, .aeadAES256GCM, .f8_128HMACSHA1_80,
        .nullHMACSHA1_80, .nullHMACSHA1_32,
    ]

    /// The suite with this SDES name (case-sensitive, as RFC 4568 §9.2 registers them), or nil.
    public static func named(_ name: String) -> SRTPSuite? {
        all.first { $0.name == name }
    }
}

/// The RFC 4568 §6.3 session parameters that switch parts of the transform off.
public struct SessionParameters: Sendable, Hashable {
    /// False with UNENCRYPTED_SRTP: RTP payloads are sent in the clear (still authenticated).
    public var encryptRTP = true
    /// False with UNENCRYPTED_SRTCP: the sender sets E = 0. A receiver follows the E flag of each packet.
    public var encryptRTCP = true
    /// False with UNAUTHENTICATED_SRTP: RTP packets carry no tag. SRTCP is always authenticated (RFC 3711 §3.4).
    public var authenticateRTP = true

    public init(encryptRTP: Bool = true, encryptRTCP: Bool = true, authenticateRTP: Bool = true) {
        self.encryptRTP = encryptRTP
        self.encryptRTCP = encryptRTCP
        self.authenticateRTP = authenticateRTP
    }
}
