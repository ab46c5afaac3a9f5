import Transforms

/// A DTLS-SRTP protection profile (RFC 5764 §4.1.2, RFC 7714 §14.2): the two-byte identifier the
/// `use_srtp` extension carries, and the SRTP suite it stands for.
public struct SRTPProtectionProfile: Hashable, Sendable, CustomStringConvertible {
    public var id: UInt16
    /// The registered name (`SRTP_AES128_CM_HMAC_SHA1_80`), or `0x00ab` for an unregistered value.
    public var name: String
    /// The SRTP suite, nil for a profile srtpdump does not know.
    public var suite: SRTPSuite?

    public var description: String { name }

    /// The registered profiles srtpdump implements. The NULL profiles keep AES-128's 128-bit master key
    /// and 112-bit salt for key derivation (RFC 5764 §4.1.2: "SRTP_NULL_HMAC_SHA1_80 ... cipher: NULL,
    /// ... master_key_length 128, master_salt_length 112"); the AEAD ones have a 96-bit salt
    /// (RFC 7714 §14.2).
    public static let known: [SRTPProtectionProfile] = [
        SRTPProtectionProfile(id: 0x0001, name: "SRTP_AES128_CM_HMAC_SHA1_80", suite: .aesCM128HMACSHA1_80),
        SRTPProtectionProfile(id: 0x0002, name: "SRTP_AES128_CM_HMAC_SHA1_32", suite: .aesCM128HMACSHA1_32),
        SRTPProtectionProfile(id: 0x0005, name: "SRTP_NULL_HMAC_SHA1_80", suite: .nullHMACSHA1_80),
        SRTPProtectionProfile(id: 0x0006, name: "SRTP_NULL_HMAC_SHA1_32", suite: .nullHMACSHA1_32),
        SRTPProtectionProfile(id: 0x0007, name: "SRTP_AEAD_AES_128_GCM", suite: .aeadAES128GCM),
        SRTPProtectionProfile(id: 0x0008, name: "SRTP_AEAD_AES_256_GCM", suite: .aeadAES256GCM),
    ]

    public init(id: UInt16, name: String, suite: SRTPSuite?) {
        self.id = id
        self.name = name
        self.suite = suite
    }

    /// The profile with this identifier; an unknown one keeps its number and has no suite.
    public init(id: UInt16) {
        if let p = Self.known.first(where: { $0.id == id }) {
            self = p
        } else {
            let h = String(id, radix: 16)
            self.init(id: id, name: "0x" + String(repeating: "0", count: max(0, 4 - h.count)) + h, suite: nil)
        }
    }

    /// The profile named `text`: the RFC name, OpenSSL's spelling (`SRTP_AES128_CM_SHA1_80`), the SDES
    /// suite name (`AES_CM_128_HMAC_SHA1_80`), or the number (`0x0001`, `1`). Case-insensitive.
    public static func named(_ text: String) -> SRTPProtectionProfile? {
        let t = text.uppercased()
        if let p = known.first(where: {
            $0.name == t || $0.openSSLName == t || $0.suite?.name == t
        }) {
            return p
        }
        let digits = t.hasPrefix("0X") ? UInt16(t.dropFirst(2), radix: 16) : UInt16(t, radix: 10)
        if let id = digits { return known.first { $0.id == id } }
        return nil
    }

    /// OpenSSL's spelling (`SRTP_AES128_CM_SHA1_80`, as `-use_srtp` takes it): the RFC name without `HMAC_`.
    public var openSSLName: String { name.split(separator: "HMAC_").joined() }

    /// Bytes of RFC 5764 keying material the profile takes: 2 × (key + salt).
    public var materialLength: Int? { suite.map { 2 * ($0.keyLength + $0.saltLength) } }
}
