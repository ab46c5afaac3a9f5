/// One master key with its salt, MKI and lifetime (RFC 3711 §8.1, RFC 4568 §6.1 key-params).
public struct MasterKey: Sendable, Hashable {
    public var key: [UInt8]
    public var salt: [UInt8]
    /// The MKI value carried in packets protected with this key; empty when the context uses no MKI.
    public var mki: [UInt8]
    /// Packets this key may protect (per direction: SRTP and SRTCP count separately); nil = the RFC 3711
    /// maxima (2^48 SRTP, 2^31 SRTCP).
    public var lifetime: UInt64?

    public init(key: [UInt8], salt: [UInt8], mki: [UInt8] = [], lifetime: UInt64? = nil) {
        self.key = key
        self.salt = salt
        self.mki = mki
        self.lifetime = lifetime
    }
}

/// Everything that fixes how one sender's packets are protected: the crypto context of RFC 3711 §3.2
/// less the per-SSRC state.
public struct SRTPPolicy: Sendable, Hashable {
    public var suite: SRTPSuite
    /// The master keys, told apart by their MKIs (all the same length, 1 to 4 bytes, or all empty).
    public var keys: [MasterKey]
    /// Key derivation rate (RFC 3711 §4.3.1): 0, or a power of two up to 2^24.
    public var keyDerivationRate: UInt64
    public var sessionParameters: SessionParameters
    /// RFC 9335 cryptex: accept (and, when protecting, produce) encrypted CSRC lists and extensions.
    public var cryptex: Bool
    /// RFC 6904: the one- or two-byte extension element IDs whose data is encrypted.
    public var encryptedExtensionIDs: Set<UInt8>
    /// The ROC assumed for the first packet of each SSRC.
    public var initialROC: UInt32
    /// Packets the replay list of each SSRC spans (RFC 3711 §3.3.2; `ReplayWindow.sizes`, clamped there).
    /// No key source gives it: the receiver sets it (`--limit replay-window`), as libsrtp's `window_size`.
    public var replayWindowSize = ReplayWindow.defaultSize

    public init(
        suite: SRTPSuite, keys: [MasterKey], keyDerivationRate: UInt64 = 0,
        sessionParameters: SessionParameters = SessionParameters(), cryptex: Bool = false,
        encryptedExtensionIDs: Set<UInt8> = [], initialROC: UInt32 = 0
    ) {
        self.suite = suite
        self.keys = keys
        self.keyDerivationRate = keyDerivationRate
        self.sessionParameters = sessionParameters
        self.cryptex = cryptex
        self.encryptedExtensionIDs = encryptedExtensionIDs
        self.initialROC = initialROC
    }

    /// The MKI length shared by all keys (0 without MKI).
    /// (Indexed rather than `keys.first`: the generic `first` allocates in unoptimised builds, and this is
    /// read per packet; `UnprotectAllocationTests` runs in debug.)
    public var mkiLength: Int { keys.isEmpty ? 0 : keys[0].mki.count }

    /// Checks the lengths a suite fixes; the message names the offending key.
    public func validate() throws(ProtectError) {
        guard !keys.isEmpty else { throw ProtectError("no-key", "the policy has no master key") }
        for (i, k) in keys.enumerated() {
            guard k.key.count == suite.keyLength else {
                throw ProtectError(
                    "key-length", "master key \(i) is \(k.key.count) bytes, \(suite.name) needs \(suite.keyLength)")
            }
            guard k.salt.count == suite.saltLength else {
                throw ProtectError(
                    "salt-length", "master salt \(i) is \(k.salt.count) bytes, \(suite.name) needs \(suite.saltLength)")
            }
            guard k.mki.count == mkiLength, k.mki.count <= 4 else {
                throw ProtectError(
                    "mki-length", "MKI \(i) is \(k.mki.count) bytes; all MKIs must share one length of 0 to 4")
            }
        }
        guard
            keyDerivationRate == 0 || (keyDerivationRate & (keyDerivationRate - 1) == 0 && keyDerivationRate <= 1 << 24)
        else {
            throw ProtectError("kdr", "key derivation rate \(keyDerivationRate) is not 0 or a power of two up to 2^24")
        }
    }

    /// The key whose MKI is at `offset` in `p` (assumed in bounds), or key 0 when there is no MKI.
    func keyIndex(mkiAt offset: Int, in p: UnsafeRawBufferPointer) -> Int? {
        let n = mkiLength
        if n == 0 { return 0 }
        for (i, k) in keys.enumerated() {
            var same = true
            for j in 0..<n where k.mki[j] != p[offset + j] {
                same = false
                break
            }
            if same { return i }
        }
        return nil
    }
}
