import Transforms

/// The SDES crypto suites (RFC 4568 §6.2, RFC 6188 §7.1, RFC 7714 §14.2) the synthesizer can put in
/// `a=crypto`, with the key sizes the SDP key parameter carries (master key ‖ master salt).
public enum CryptoSuite: String, Codable, Sendable, CaseIterable {
    case aesCM128HMACSHA180 = "AES_CM_128_HMAC_SHA1_80"
    case aesCM128HMACSHA132 = "AES_CM_128_HMAC_SHA1_32"
    case aes256CMHMACSHA180 = "AES_256_CM_HMAC_SHA1_80"
    case aes256CMHMACSHA132 = "AES_256_CM_HMAC_SHA1_32"
    case aeadAES128GCM = "AEAD_AES_128_GCM"
    case aeadAES256GCM = "AEAD_AES_256_GCM"
    // Protected by srtpdump's own transforms: libsrtp 2.5 has no F8 in its policy API and its AES-192
    // counter mode is not RFC 6188's (issue 5, "Independent encryption").
    case aes192CMHMACSHA180 = "AES_192_CM_HMAC_SHA1_80"
    case aes192CMHMACSHA132 = "AES_192_CM_HMAC_SHA1_32"
    case f8128HMACSHA180 = "F8_128_HMAC_SHA1_80"

    /// The transforms' description of the suite: key and salt lengths live in one table
    /// (`Transforms.SRTPSuite`), shared with the decryptor.
    public var suite: SRTPSuite {
        // Every case's raw value is a name `SRTPSuite.named` knows (checked by SynthTests).
        SRTPSuite.named(rawValue) ?? .aesCM128HMACSHA1_80
    }

    public var masterKeyLength: Int { suite.keyLength }

    /// RFC 3711 §8.2: 112-bit salt for counter mode; RFC 7714 §14.2: 96-bit salt for GCM.
    public var masterSaltLength: Int { suite.saltLength }

    public var keyParameterLength: Int { masterKeyLength + masterSaltLength }

    /// Whether libsrtp can protect this suite; the others go through srtpdump's own transforms.
    public var libsrtpImplements: Bool {
        switch self {
        case .aes192CMHMACSHA180, .aes192CMHMACSHA132, .f8128HMACSHA180: false
        default: true
        }
    }
}
