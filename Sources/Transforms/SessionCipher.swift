import Crypto

/// The crypto contexts of one master key in one direction (SRTP or SRTCP): the session keys derived
/// from it and the cipher and MAC contexts keyed with them, created once and re-IV'd per packet.
///
/// With a key derivation rate ≠ 0 (RFC 3711 §4.3.1) the session keys change every `kdr` indices;
/// `prepare(index:)` re-derives them when a packet falls in another epoch than the last one.
final class SessionCipher {
    let provider: any CryptoProvider
    let suite: SRTPSuite
    let master: MasterKey
    let rtcp: Bool
    let kdr: UInt64

    private(set) var epoch: UInt64 = 0
    private(set) var keys: SessionKeys
    private(set) var counter: (any AESCounterMode)?
    private(set) var gcm: (any AESGCM)?
    private(set) var hmac: (any HMACSHA1)?
    private(set) var f8: F8Keystream?
    /// RFC 6904 header-extension keystream (SRTP, non-AEAD suites).
    private(set) var headerCounter: (any AESCounterMode)?

    /// iv at 0..<16, digest at 16..<36, ROC or trailer at 48..<52, header iv at 64..<80, AAD at 80..<96.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 96, alignment: 16)
    var iv: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[0..<16]) }
    var digest: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[16..<36]) }
    var word: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[48..<52]) }
    var headerIV: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[64..<80]) }
    var aad: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[80..<96]) }

    init(provider: any CryptoProvider, suite: SRTPSuite, master: MasterKey, rtcp: Bool, kdr: UInt64) throws {
        self.provider = provider
        self.suite = suite
        self.master = master
        self.rtcp = rtcp
        self.kdr = kdr
        keys = try KeyDerivation.sessionKeys(
            provider: provider, suite: suite, masterKey: master.key, masterSalt: master.salt, rtcp: rtcp)
        try makeContexts()
    }

    /// Contexts over given session keys, bypassing the KDF (RFC 7714's vectors give session keys).
    init(provider: any CryptoProvider, suite: SRTPSuite, sessionKeys: SessionKeys, rtcp: Bool) throws {
        self.provider = provider
        self.suite = suite
        self.master = MasterKey(key: [], salt: [])
        self.rtcp = rtcp
        self.kdr = 0
        keys = sessionKeys
        try makeContexts()
    }

    deinit { scratch.deallocate() }

    /// Makes sure the session keys are those of `index`'s derivation epoch (RFC 3711 §4.3.1: r = index DIV kdr).
    @inline(__always)
    func prepare(index: UInt64) throws {
        guard kdr != 0 else { return }
        let r = index / kdr
        if r == epoch { return }
        epoch = r
        keys = try KeyDerivation.sessionKeys(
            provider: provider, suite: suite, masterKey: master.key, masterSalt: master.salt, rtcp: rtcp,
            index: index, kdr: kdr)
        try makeContexts()
    }

    private func makeContexts() throws {
        switch suite.cipher {
        case .aesCM:
            if let counter { try counter.setKey(keys.encryptionKey) } else {
                counter = try provider.makeAESCounterMode(key: keys.encryptionKey)
            }
        case .aesGCM:
            gcm = try provider.makeAESGCM(key: keys.encryptionKey)
            // Counter mode over the GCM key gives the plaintext of a packet whose tag failed, when asked for
            // (GCM's payload keystream starts at counter block IV || 00000002, NIST SP 800-38D §7.1).
            if let counter { try counter.setKey(keys.encryptionKey) } else {
                counter = try provider.makeAESCounterMode(key: keys.encryptionKey)
            }
        case .aesF8:
            f8 = try F8Keystream(provider: provider, key: keys.encryptionKey, salt: keys.salt)
        case .null:
            break
        }
        if suite.authKeyLength > 0 { hmac = try provider.makeHMACSHA1(key: keys.authenticationKey) }
        if !rtcp, !suite.isAEAD, !keys.headerEncryptionKey.isEmpty {
            if let headerCounter { try headerCounter.setKey(keys.headerEncryptionKey) } else {
                headerCounter = try provider.makeAESCounterMode(key: keys.headerEncryptionKey)
            }
        }
    }

    /// The AES-CM IV of RFC 3711 §4.1.1: (k_s × 2^16) XOR (SSRC × 2^64) XOR (i × 2^16), into `out`.
    @inline(__always)
    static func counterIV(salt: [UInt8], ssrc: UInt32, index: UInt64, into out: UnsafeMutableRawBufferPointer) {
        for i in 0..<14 { out[i] = i < salt.count ? salt[i] : 0 }
        out[14] = 0
        out[15] = 0
        for i in 0..<4 { out[4 + i] ^= UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * UInt32(i))) }
        for i in 0..<6 { out[8 + i] ^= UInt8(truncatingIfNeeded: index >> (40 - 8 * UInt64(i))) }
    }

    /// HMAC-SHA1 over `parts` into `digest` (RFC 3711 §4.2.1).
    @inline(__always)
    func mac(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer? = nil) throws {
        guard let hmac else { throw CryptoError("no-mac", "\(suite.name) has no HMAC") }
        try hmac.reset()
        try hmac.update(a)
        if let b { try hmac.update(b) }
        try hmac.finalize(into: digest)
    }
}
