import Crypto

/// RFC 3711 §4.3 key derivation with the AES-CM PRF (§4.3.3), for 128-, 192- and 256-bit master keys
/// (RFC 6188 §3: the same PRF keyed with the longer master key, its keystream truncated to the
/// length needed).
///
/// libsrtp 2.x derives AES-192 keys differently (cisco/libsrtp issue #763); this follows the RFC.
public enum KeyDerivation {
    /// The RFC 3711 §4.3.2 labels, with RFC 6904 §4.3's two for encrypted header extensions.
    public enum Label: UInt8, Sendable, CaseIterable {
        case rtpEncryption = 0x00
        case rtpAuthentication = 0x01
        case rtpSalt = 0x02
        case rtcpEncryption = 0x03
        case rtcpAuthentication = 0x04
        case rtcpSalt = 0x05
        case rtpHeaderEncryption = 0x06
        case rtpHeaderSalt = 0x07
    }

    /// The 112-bit PRF input before the label and index go in: the master salt, and for the AEAD suites
    /// the 96-bit salt zero-padded on the right (RFC 7714 §12 is ambiguous; libsrtp and WebRTC pad on the
    /// right, and the `libsrtp-*gcm*` vectors pin it).
    static func paddedSalt(_ masterSalt: [UInt8]) -> [UInt8] {
        if masterSalt.count >= 14 { return Array(masterSalt.prefix(14)) }
        return masterSalt + [UInt8](repeating: 0, count: 14 - masterSalt.count)
    }

    /// The 16-byte AES-CM IV of §4.3.1: x = (label || r) XOR master_salt, where key_id = label || r is
    /// 8 + 48 bits aligned to the right of the 112-bit salt, and r = index DIV kdr (0 when kdr is 0);
    /// IV = x * 2^16.
    public static func prfInput(masterSalt: [UInt8], label: UInt8, index: UInt64, kdr: UInt64) -> [UInt8] {
        var x = paddedSalt(masterSalt)
        let r = kdr == 0 ? 0 : (index / kdr) & 0xFFFF_FFFF_FFFF
        x[7] ^= label
        for i in 0..<6 { x[8 + i] ^= UInt8(truncatingIfNeeded: r >> (40 - 8 * UInt64(i))) }
        return x + [0, 0]
    }

    /// `length` bytes of PRF output for `label`: the AES-CM keystream keyed with the master key from the
    /// IV of `prfInput`, truncated (RFC 3711 §4.3.3, RFC 6188 §3).
    public static func derive(
        provider: any CryptoProvider, masterKey: [UInt8], masterSalt: [UInt8], label: UInt8, index: UInt64 = 0,
        kdr: UInt64 = 0, length: Int
    ) throws -> [UInt8] {
        let ctr = try provider.makeAESCounterMode(key: masterKey)
        let iv = prfInput(masterSalt: masterSalt, label: label, index: index, kdr: kdr)
        var out = [UInt8](repeating: 0, count: length)
        try iv.withUnsafeBytes { ivp in
            try out.withUnsafeMutableBytes { try ctr.apply(iv: ivp, to: $0) }
        }
        return out
    }

    /// The session keys of one direction (SRTP or SRTCP) at derivation epoch `index DIV kdr`.
    public static func sessionKeys(
        provider: any CryptoProvider, suite: SRTPSuite, masterKey: [UInt8], masterSalt: [UInt8], rtcp: Bool,
        index: UInt64 = 0, kdr: UInt64 = 0
    ) throws -> SessionKeys {
        let (e, a, s): (Label, Label, Label) =
            rtcp ? (.rtcpEncryption, .rtcpAuthentication, .rtcpSalt) : (.rtpEncryption, .rtpAuthentication, .rtpSalt)
        func d(_ label: Label, _ length: Int) throws -> [UInt8] {
            try derive(
                provider: provider, masterKey: masterKey, masterSalt: masterSalt, label: label.rawValue, index: index,
                kdr: kdr, length: length)
        }
        var keys = SessionKeys(
            encryptionKey: try d(e, suite.keyLength), authenticationKey: try d(a, suite.authKeyLength),
            salt: try d(s, suite.sessionSaltLength))
        if !rtcp {
            // RFC 6904 §4.3: header-extension keys use labels 6 and 7, same lengths as the payload's.
            keys.headerEncryptionKey = try d(.rtpHeaderEncryption, suite.keyLength)
            keys.headerSalt = try d(.rtpHeaderSalt, suite.sessionSaltLength)
        }
        return keys
    }
}

/// The session keys of one direction, derived from one master key at one derivation epoch.
public struct SessionKeys: Sendable, Hashable {
    public var encryptionKey: [UInt8]
    public var authenticationKey: [UInt8]
    public var salt: [UInt8]
    /// RFC 6904 keys; empty for SRTCP.
    public var headerEncryptionKey: [UInt8] = []
    public var headerSalt: [UInt8] = []

    public init(encryptionKey: [UInt8], authenticationKey: [UInt8], salt: [UInt8]) {
        self.encryptionKey = encryptionKey
        self.authenticationKey = authenticationKey
        self.salt = salt
    }
}
