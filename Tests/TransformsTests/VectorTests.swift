import Crypto
import Testing

@testable import Transforms
import TestSupport

/// Every transform vector of `../shared/vectors/vectors.json`, on both providers.
@Suite(.enabled(if: SharedVectors.available, "needs ../shared/vectors/vectors.json next to the repository"))
struct VectorTests {
    @Test("RFC 3711 B.3 / RFC 6188 §7.2, §7.4 key derivation", arguments: providerNames, SharedVectors.ofType("kdf"))
    func kdf(_ name: String, _ v: SharedVectors.Vector) throws {
        let p = try provider(name)
        let key = v.hexIn("master_key")
        let salt = v.hexIn("master_salt")
        let expectedAuth = v.hexOut("auth_key")
        func d(_ label: UInt8, _ n: Int) throws -> [UInt8] {
            try KeyDerivation.derive(
                provider: p, masterKey: key, masterSalt: salt, label: label, index: v.int("index"), kdr: v.int("kdr"),
                length: n)
        }
        #expect(try d(0, key.count) == v.hexOut("cipher_key"))
        #expect(try d(2, 14) == v.hexOut("cipher_salt"))
        #expect(try d(1, expectedAuth.count) == expectedAuth)
        // The suite-level derivation takes the first 20 bytes of the auth key (RFC 3711 §8.2).
        let suite = SRTPSuite.all.first { $0.keyLength == key.count && $0.cipher == .aesCM }
        let keys = try KeyDerivation.sessionKeys(
            provider: p, suite: try #require(suite), masterKey: key, masterSalt: salt, rtcp: false)
        #expect(keys.authenticationKey == Array(expectedAuth.prefix(20)))
        if let blocks = v.expected["aes_input_blocks"] as? [String: String] {
            for (label, text) in blocks {
                let l: UInt8 = label.contains("00") ? 0 : label.contains("01") ? 1 : 2
                #expect(KeyDerivation.prfInput(masterSalt: salt, label: l, index: 0, kdr: 0) == Hex.bytes(text))
            }
        }
    }

    @Test("RFC 3711 B.1 AES-f8", arguments: providerNames)
    func f8(_ name: String) throws {
        let v = try #require(SharedVectors.ofType("f8").first)
        let p = try provider(name)
        let key = v.hexIn("key")
        let salt = v.hexIn("salt_key")
        #expect(F8Keystream.maskedKey(key: key, salt: salt) == v.hexOut("key_xor_key_mask"))
        let f8 = try F8Keystream(provider: p, key: key, salt: salt)
        let header = v.hexIn("rtp_header")
        let iv = [0] + header[1..<12] + v.hexIn("roc")
        #expect(iv == v.hexOut("iv"))
        var data = v.hexIn("rtp_payload")
        try iv.withUnsafeBytes { ivp in try data.withUnsafeMutableBytes { try f8.apply(iv: ivp, to: $0) } }
        #expect(data == v.hexOut("ciphertext"))
    }

    @Test("RFC 7714 §16 GCM SRTP (session keys)", arguments: providerNames, SharedVectors.ofType("gcm_srtp"))
    func gcmSRTP(_ name: String, _ v: SharedVectors.Vector) throws {
        let key = v.hexIn("session_key")
        let suite: SRTPSuite = key.count == 16 ? .aeadAES128GCM : .aeadAES256GCM
        let policy = SRTPPolicy(
            suite: suite, keys: [MasterKey(key: key, salt: v.hexIn("session_salt"))], initialROC: UInt32(v.int("roc")))
        let plain = v.hexIn("rtp_packet")
        let ssrc = UInt32(plain[8]) << 24 | UInt32(plain[9]) << 16 | UInt32(plain[10]) << 8 | UInt32(plain[11])
        let keys = SessionKeys(encryptionKey: key, authenticationKey: [], salt: v.hexIn("session_salt"))
        let sender = try SRTPStream(ssrc: ssrc, policy: policy, provider: provider(name))
        try sender.installSessionKeys(keys, rtcp: false)
        #expect(try sender.protectRTP(plain, roc: UInt32(v.int("roc"))) == v.hexOut("srtp_packet"))
        let receiver = try SRTPStream(ssrc: ssrc, policy: policy, provider: provider(name))
        try receiver.installSessionKeys(keys, rtcp: false)
        let (r, out) = try receiver.unprotectRTP(v.hexOut("srtp_packet"))
        #expect(r.verdict == .authenticated)
        #expect(out == plain)
    }

    @Test("RFC 7714 §17 GCM SRTCP (session keys)", arguments: providerNames, SharedVectors.ofType("gcm_srtcp"))
    func gcmSRTCP(_ name: String, _ v: SharedVectors.Vector) throws {
        let key = v.hexIn("session_key")
        let suite: SRTPSuite = key.count == 16 ? .aeadAES128GCM : .aeadAES256GCM
        let params = SessionParameters(encryptRTCP: v.bool("encrypt"))
        let policy = SRTPPolicy(
            suite: suite, keys: [MasterKey(key: key, salt: v.hexIn("session_salt"))], sessionParameters: params)
        let keys = SessionKeys(encryptionKey: key, authenticationKey: [], salt: v.hexIn("session_salt"))
        let plain = v.hexIn("rtcp_packet")
        let sender = try SRTPStream(ssrc: 0, policy: policy, provider: provider(name))
        try sender.installSessionKeys(keys, rtcp: true)
        #expect(try sender.protectRTCP(plain, index: UInt32(v.int("srtcp_index"))) == v.hexOut("srtcp_packet"))
        let receiver = try SRTPStream(ssrc: 0, policy: policy, provider: provider(name))
        try receiver.installSessionKeys(keys, rtcp: true)
        let (r, out) = try receiver.unprotectRTCP(v.hexOut("srtcp_packet"))
        #expect(r.verdict == .authenticated)
        #expect(r.encrypted == v.bool("encrypt"))
        #expect(r.index == v.int("srtcp_index"))
        #expect(out == plain)
    }

    static func policy(_ v: SharedVectors.Vector, rtcp: Bool = false) throws -> SRTPPolicy {
        let suite = try #require(SRTPSuite.named(v.string("suite")), "suite \(v.string("suite"))")
        let ids = (v.inputs["encrypted_extension_ids"] as? [Int] ?? []).map { UInt8($0) }
        return SRTPPolicy(
            suite: suite,
            keys: [MasterKey(key: v.hexIn("master_key"), salt: v.hexIn("master_salt"), mki: v.hexIn("mki"))],
            sessionParameters: SessionParameters(encryptRTCP: rtcp ? v.bool("encrypt") : true),
            cryptex: v.bool("cryptex"), encryptedExtensionIDs: Set(ids), initialROC: UInt32(v.int("roc")))
    }

    @Test(
        "SRTP packets (libsrtp, RFC 6188 computed, libsrtp 3 cryptex and RFC 6904)", arguments: providerNames,
        SharedVectors.ofType("srtp_packet"))
    func srtpPacket(_ name: String, _ v: SharedVectors.Vector) throws {
        let policy = try Self.policy(v)
        let plain = v.hexIn("rtp_packet")
        let wire = v.hexOut("srtp_packet")
        let receiver = try SRTPStream(ssrc: 0, policy: policy, provider: provider(name))
        let (r, out) = try receiver.unprotectRTP(wire)
        #expect(r.verdict == .authenticated)
        #expect(out.map { Hex.string($0) } == Hex.string(plain))
        #expect(r.cryptex == v.bool("cryptex"))
        let sender = try SRTPStream(ssrc: 0, policy: policy, provider: provider(name))
        #expect(Hex.string(try sender.protectRTP(plain, roc: policy.initialROC)) == Hex.string(wire))
    }

    @Test(
        "libsrtp 2.5's AES-192 packets fail with the stated key (cisco/libsrtp #763)", arguments: providerNames,
        SharedVectors.ofType("srtp_packet_libsrtp_aes192_kdf_bug"))
    func nonconformantAES192(_ name: String, _ v: SharedVectors.Vector) throws {
        let receiver = try SRTPStream(ssrc: 0, policy: try Self.policy(v), provider: provider(name))
        let wire = v.hexOut("srtp_packet")
        let (r, out) = try receiver.unprotectRTP(wire)
        #expect(r.verdict == .failed(.tagMismatch))
        #expect(out == nil)
    }

    @Test("SRTCP packets (libsrtp)", arguments: providerNames, SharedVectors.ofType("srtcp_packet"))
    func srtcpPacket(_ name: String, _ v: SharedVectors.Vector) throws {
        let policy = try Self.policy(v, rtcp: true)
        let plain = v.hexIn("rtcp_packet")
        let wire = v.hexOut("srtcp_packet")
        let receiver = try SRTPStream(ssrc: 0, policy: policy, provider: provider(name))
        let (r, out) = try receiver.unprotectRTCP(wire)
        #expect(r.verdict == .authenticated)
        #expect(r.index == v.int("srtcp_index"))
        #expect(out == plain)
        let sender = try SRTPStream(ssrc: 0, policy: policy, provider: provider(name))
        #expect(Hex.string(try sender.protectRTCP(plain, index: UInt32(v.int("srtcp_index")))) == Hex.string(wire))
    }

    /// The parameterized tests above run once per vector: a renamed type or a shortened file would leave
    /// them with no cases, passing silently. These are the counts in vectors.json when the tests were written.
    @Test("every vector type the tests read is present")
    func vectorsPresent() {
        let minimum = [
            "kdf": 3, "f8": 1, "gcm_srtp": 2, "gcm_srtcp": 4, "srtp_packet": 21, "srtcp_packet": 5,
            "srtp_packet_libsrtp_aes192_kdf_bug": 2,
        ]
        for (type, n) in minimum.sorted(by: { $0.key < $1.key }) {
            #expect(SharedVectors.ofType(type).count >= n, "\(type)")
        }
    }
}
