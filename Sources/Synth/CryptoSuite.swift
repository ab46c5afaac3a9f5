/// The SDES crypto suites (RFC 4568 §6.2, RFC 6188 §7.1, RFC 7714 §14.2) the synthesizer can put in
/// `a=crypto`, with the key sizes the SDP key parameter carries (master key ‖ master salt).
public enum CryptoSuite: String, Codable, Sendable, CaseIterable {
    case aesCM128HMACSHA180 = "AES_CM_128_HMAC_SHA1_80"
    case aesCM128HMACSHA132 = "AES_CM_128_HMAC_SHA1_32"
    case aes256CMHMACSHA180 = "AES_256_CM_HMAC_SHA1_80"
    case aes256CMHMACSHA132 = "AES_256_CM_HMAC_SHA1_32"
    case aeadAES128GCM = "AEAD_AES_128_GCM"
    case aeadAES256GCM = "AEAD_AES_256_GCM"

    public var masterKeyLength: Int {
        switch self {
        case .aesCM128HMACSHA180, .aesCM128HMACSHA132, .aeadAES128GCM: 16
        case .aes256CMHMACSHA180, .aes256CMHMACSHA132, .aeadAES256GCM: 32
        }
    }

    /// RFC 3711 §8.2: 112-bit salt for counter mode; RFC 7714 §14.2: 96-bit salt for GCM.
    public var masterSaltLength: Int {
        switch self {
        case .aeadAES128GCM, .aeadAES256GCM: 12
        default: 14
        }
    }

    public var keyParameterLength: Int { masterKeyLength + masterSaltLength }
}
