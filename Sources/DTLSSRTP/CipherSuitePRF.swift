import Crypto

/// Which hash a TLS 1.2 cipher suite's PRF uses (RFC 5246 §5: SHA-256 "for all cipher suites defined
/// in this document and in TLS documents published prior to this document"; suites defined later
/// name their PRF hash, and the `_SHA384` ones use SHA-384: RFC 5289 §3, RFC 5288 §3, RFC 5487 §3.2,
/// RFC 6209, RFC 6367). Numbers from the IANA TLS Cipher Suites registry.
public enum CipherSuitePRF {
    /// Suites whose PRF is P_SHA384.
    static let sha384: Set<UInt16> = [
        0x009D, 0x009F, 0x00A1, 0x00A3, 0x00A5, 0x00A7,  // *_AES_256_GCM_SHA384 (RFC 5288)
        0x00A9, 0x00AB, 0x00AD, 0x00AF, 0x00B1, 0x00B3, 0x00B5, 0x00B7, 0x00B9,  // PSK (RFC 5487)
        0xC024, 0xC026, 0xC028, 0xC02A, 0xC02C, 0xC02E, 0xC030, 0xC032,  // ECC (RFC 5289)
        0xC038, 0xC03B,  // ECDHE_PSK (RFC 5489)
        0xC03D, 0xC03F, 0xC041, 0xC043, 0xC045, 0xC047, 0xC049, 0xC04B, 0xC04D, 0xC04F, 0xC051, 0xC053, 0xC055,
        0xC057, 0xC059, 0xC05B, 0xC05D, 0xC05F, 0xC061, 0xC063, 0xC065, 0xC067, 0xC069, 0xC06B, 0xC06D, 0xC06F,
        0xC071,  // ARIA (RFC 6209)
        0xC073, 0xC075, 0xC077, 0xC079, 0xC07B, 0xC07D, 0xC07F, 0xC081, 0xC083, 0xC085, 0xC087, 0xC089, 0xC08B,
        0xC08D, 0xC08F, 0xC091, 0xC093, 0xC095, 0xC097, 0xC099, 0xC09B,  // Camellia (RFC 6367)
        0xD002,  // ECDHE_PSK_WITH_AES_256_GCM_SHA384 (RFC 8442)
    ]

    /// The PRF for a handshake: TLS 1.0's for DTLS 1.0 (0xFEFF), TLS 1.2's with the suite's hash for
    /// DTLS 1.2 (0xFEFD).
    public static func prf(version: UInt16, cipherSuite: UInt16) -> TLSPRF {
        if version == 0xFEFF { return .tls10 }
        return .tls12(sha384.contains(cipherSuite) ? .sha384 : .sha256)
    }
}
