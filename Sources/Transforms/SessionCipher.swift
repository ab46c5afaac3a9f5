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
    /// The keys and contexts in use. Read once per packet into a local: its fields are `let`s, so the
    /// packet path pays one exclusivity check here instead of one per context.
    private(set) var current: SessionContexts
    /// The epoch used before `epoch` and its contexts, kept so that packets reordered across an epoch
    /// boundary (or forged to fall in the next epoch) swap contexts instead of deriving keys and making
    /// contexts again for every packet.
    private var previousEpoch: UInt64 = 0
    private var previous: SessionContexts?

    /// iv at 0..<16, digest at 16..<36, ROC or trailer at 48..<52, header iv at 64..<80, AAD at 80..<96,
    /// received tag at 96..<112.
    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 112, alignment: 16)
    var iv: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[0..<16]) }
    var digest: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[16..<36]) }
    var word: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[48..<52]) }
    var headerIV: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[64..<80]) }
    var aad: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[80..<96]) }
    /// A received SRTP tag set aside (at most 16 bytes) while the ROC occupies its place.
    var received: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: scratch[96..<112]) }

    init(provider: any CryptoProvider, suite: SRTPSuite, master: MasterKey, rtcp: Bool, kdr: UInt64) throws {
        self.provider = provider
        self.suite = suite
        self.master = master
        self.rtcp = rtcp
        self.kdr = kdr
        let keys = try KeyDerivation.sessionKeys(
            provider: provider, suite: suite, masterKey: master.key, masterSalt: master.salt, rtcp: rtcp)
        current = try SessionContexts(provider: provider, suite: suite, keys: keys, rtcp: rtcp)
    }

    deinit { scratch.deallocate() }

    /// Replaces the session keys (published vectors that start after the KDF, such as RFC 7714 §16–17).
    func install(_ keys: SessionKeys) throws {
        current = try SessionContexts(provider: provider, suite: suite, keys: keys, rtcp: rtcp)
        previous = nil
    }

    var keys: SessionKeys { current.keys }

    /// Makes sure the session keys are those of `index`'s derivation epoch (RFC 3711 §4.3.1: r = index DIV kdr).
    @inline(__always)
    func prepare(index: UInt64) throws {
        guard kdr != 0 else { return }
        let r = index / kdr
        if r == epoch { return }
        if let p = previous, previousEpoch == r {
            (previous, previousEpoch, current, epoch) = (current, epoch, p, r)
            return
        }
        let keys = try KeyDerivation.sessionKeys(
            provider: provider, suite: suite, masterKey: master.key, masterSalt: master.salt, rtcp: rtcp,
            index: index, kdr: kdr)
        let made = try SessionContexts(provider: provider, suite: suite, keys: keys, rtcp: rtcp)
        (previous, previousEpoch, current, epoch) = (current, epoch, made, r)
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

    /// The same IV from the salt's two big-endian words (`SessionContexts.saltWords`): two XORs and two
    /// 8-byte stores per packet instead of a bounds-checked byte loop over the salt array.
    @inline(__always)
    static func counterIV(
        saltWords: (UInt64, UInt64), ssrc: UInt32, index: UInt64, into out: UnsafeMutableRawBufferPointer
    ) {
        // Bytes 4..7 hold the SSRC (the low half of the first word); bytes 8..13 the 48-bit index, so
        // index × 2^16 is the second word; bytes 14..15 are zero in the salt word.
        let high = saltWords.0 ^ UInt64(ssrc)
        let low = saltWords.1 ^ (index << 16)
        out.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
        out.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// HMAC-SHA1 over `a` then `b` into `digest` (RFC 3711 §4.2.1).
    @inline(__always)
    func mac(_ x: SessionContexts, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer? = nil) throws {
        guard let hmac = x.hmac else { throw CryptoError("no-mac", "\(suite.name) has no HMAC") }
        try hmac.reset()
        try hmac.update(a)
        if let b { try hmac.update(b) }
        try hmac.finalize(into: digest)
    }
}

/// Session keys and the contexts keyed with them: immutable, replaced whole when the keys change.
final class SessionContexts {
    let keys: SessionKeys
    let counter: (any AESCounterMode)?
    let gcm: (any AESGCM)?
    let hmac: (any HMACSHA1)?
    let f8: F8Keystream?
    /// The session salt as the two big-endian words of a 16-byte block (salt, zero-padded to 14 bytes, then
    /// two zero bytes): the counter IV's starting point, computed once.
    let saltWords: (UInt64, UInt64)
    /// RFC 6904 header-extension keystream (SRTP; for the GCM suites AES-CM with the GCM key size, as
    /// libsrtp does it, see crypto.md).
    let headerCounter: (any AESCounterMode)?

    init(provider: any CryptoProvider, suite: SRTPSuite, keys: SessionKeys, rtcp: Bool) throws {
        self.keys = keys
        var words: (UInt64, UInt64) = (0, 0)
        for i in 0..<14 where i < keys.salt.count {
            if i < 8 {
                words.0 |= UInt64(keys.salt[i]) << (56 - 8 * UInt64(i))
            } else {
                words.1 |= UInt64(keys.salt[i]) << (56 - 8 * UInt64(i - 8))
            }
        }
        saltWords = words
        switch suite.cipher {
        case .aesCM:
            counter = try provider.makeAESCounterMode(key: keys.encryptionKey)
            gcm = nil
            f8 = nil
        case .aesGCM:
            gcm = try provider.makeAESGCM(key: keys.encryptionKey)
            // Counter mode over the GCM key gives the plaintext of a packet whose tag failed, when asked for
            // (GCM's payload keystream starts at counter block IV || 00000002, NIST SP 800-38D §7.1).
            counter = try provider.makeAESCounterMode(key: keys.encryptionKey)
            f8 = nil
        case .aesF8:
            f8 = try F8Keystream(provider: provider, key: keys.encryptionKey, salt: keys.salt)
            counter = nil
            gcm = nil
        case .null:
            counter = nil
            gcm = nil
            f8 = nil
        }
        hmac = suite.authKeyLength > 0 ? try provider.makeHMACSHA1(key: keys.authenticationKey) : nil
        headerCounter =
            !rtcp && !keys.headerEncryptionKey.isEmpty
            ? try provider.makeAESCounterMode(key: keys.headerEncryptionKey) : nil
    }
}
