internal import CSRTP
import LibsrtpRuntime
import Transforms

/// One master key of an SDP key parameter: key ‖ salt, and the MKI it is announced with (empty for none).
public struct MasterKey: Sendable, Hashable {
    public var keyAndSalt: [UInt8]
    public var mki: [UInt8]

    public init(keyAndSalt: [UInt8], mki: [UInt8] = []) {
        self.keyAndSalt = keyAndSalt
        self.mki = mki
    }
}

/// Errors from libsrtp, with the operation that failed.
public struct LibsrtpError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var status: Int32
    public var description: String { "libsrtp \(operation) failed with status \(status)" }

    public init(operation: String, status: Int32) {
        self.operation = operation
        self.status = status
    }
}

/// A libsrtp session (one per sending direction, or per receiving direction in the oracle): the
/// corpus is encrypted by libsrtp, not by our own transforms, so that a bug in ours cannot hide in
/// both the encryption and the decryption (issue 5, "Independent encryption").
///
/// Owns an `srtp_t`; one stream per SSRC, each added with an SSRC-specific policy so that its ROC can
/// be set before the first packet (`srtp_set_stream_roc`).
public final class LibsrtpSession: SenderTransform {
    private var session: srtp_t?
    private let suite: CryptoSuite
    private let keys: [MasterKey]
    private let inbound: Bool
    private let services: SessionParameters
    private var scratch = [UInt8](repeating: 0, count: 2048)

    /// - Parameters:
    ///   - keys: one key, or several with MKIs (then `protect` names which one).
    ///   - inbound: true for an unprotecting session (the oracle).
    ///   - services: what the line's session parameters switch off (RFC 4568 §6.3.2, §6.3.3).
    public init(
        suite: CryptoSuite, keys: [MasterKey], inbound: Bool = false, services: SessionParameters = SessionParameters()
    ) throws(LibsrtpError) {
        guard LibsrtpRuntime.initialized else {
            throw LibsrtpError(operation: "srtp_init", status: LibsrtpRuntime.initStatus)
        }
        guard suite.libsrtpImplements else {
            throw LibsrtpError(operation: "\(suite.rawValue) (not in libsrtp)", status: 2)
        }
        self.suite = suite
        self.keys = keys
        self.inbound = inbound
        self.services = services
        var created: srtp_t?
        let status = srtp_create(&created, nil)
        guard status == srtp_err_status_ok else {
            throw LibsrtpError(operation: "srtp_create", status: Int32(status.rawValue))
        }
        session = created
    }

    deinit {
        if let session { srtp_dealloc(session) }
    }

    private var streams: Set<UInt32> = []

    /// Adds the stream of `ssrc` (if new) and sets its rollover counter.
    public func addStream(ssrc: UInt32, roc: UInt32 = 0) throws(LibsrtpError) {
        guard !streams.contains(ssrc) else { return }
        var policy = srtp_policy_t()
        setCryptoPolicies(&policy)
        policy.ssrc.type = ssrc_specific
        policy.ssrc.value = ssrc
        policy.window_size = 1024
        policy.allow_repeat_tx = 0
        // libsrtp copies the keys during srtp_add_stream; the buffers live only for this call.
        let count = keys.count
        let keyBuffers = keys.map { k -> UnsafeMutablePointer<UInt8> in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(k.keyAndSalt.count, 1))
            p.initialize(from: k.keyAndSalt, count: k.keyAndSalt.count)
            return p
        }
        let mkiBuffers = keys.map { k -> UnsafeMutablePointer<UInt8> in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(k.mki.count, 1))
            p.initialize(from: k.mki, count: k.mki.count)
            return p
        }
        let masterKeys = UnsafeMutablePointer<srtp_master_key_t>.allocate(capacity: max(count, 1))
        let masterKeyPointers = UnsafeMutablePointer<UnsafeMutablePointer<srtp_master_key_t>?>.allocate(
            capacity: max(count, 1))
        defer {
            keyBuffers.forEach { $0.deallocate() }
            mkiBuffers.forEach { $0.deallocate() }
            masterKeys.deallocate()
            masterKeyPointers.deallocate()
        }
        let usesMKI = keys.contains { !$0.mki.isEmpty }
        if usesMKI {
            for i in 0..<count {
                masterKeys[i] = srtp_master_key_t(
                    key: keyBuffers[i], mki_id: mkiBuffers[i], mki_size: UInt32(keys[i].mki.count))
                masterKeyPointers[i] = masterKeys + i
            }
            policy.keys = masterKeyPointers
            policy.num_master_keys = UInt(count)
        } else {
            policy.key = keyBuffers.first
        }
        let status = srtp_add_stream(session, &policy)
        guard status == srtp_err_status_ok else {
            throw LibsrtpError(operation: "srtp_add_stream", status: Int32(status.rawValue))
        }
        if roc != 0 {
            let s = srtp_set_stream_roc(session, ssrc, roc)
            guard s == srtp_err_status_ok else {
                throw LibsrtpError(operation: "srtp_set_stream_roc", status: Int32(s.rawValue))
            }
        }
        streams.insert(ssrc)
    }

    private func setCryptoPolicies(_ policy: inout srtp_policy_t) {
        switch suite {
        case .aesCM128HMACSHA180:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aesCM128HMACSHA132:
            // RFC 4568 §6.2.2: the _32 suites keep an 80-bit tag on SRTCP.
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aes256CMHMACSHA180:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtcp)
        case .aes256CMHMACSHA132:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtcp)
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        case .aeadAES256GCM:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp)
        case .aes192CMHMACSHA180, .aes192CMHMACSHA132, .f8128HMACSHA180:
            // Never reached: `init` refuses these suites (see CryptoSuite.libsrtpImplements).
            break
        }
        // The session parameters through libsrtp's security services (srtp.h `srtp_sec_serv_t`): without
        // `sec_serv_conf` it leaves the payload in the clear (SRTCP with E = 0); without `sec_serv_auth`
        // it writes no SRTP tag. An unauthenticated RTP policy also takes the null authenticator (tag length
        // 0), as libsrtp's own `srtp_crypto_policy_set_aes_cm_128_null_auth` does, so that no length
        // computation counts a tag. SRTCP is always authenticated.
        if !services.encryptRTP {
            policy.rtp.sec_serv = sec_serv_auth
        }
        if !services.authenticateRTP {
            policy.rtp.sec_serv = services.encryptRTP ? sec_serv_conf : sec_serv_none
            policy.rtp.auth_type = 0  // SRTP_NULL_AUTH (crypto_types.h, not exported to Swift)
            policy.rtp.auth_key_len = 0
            policy.rtp.auth_tag_len = 0
        }
        if !services.encryptRTCP {
            policy.rtcp.sec_serv = sec_serv_auth
        }
    }

    /// Protects an RTP packet (`rtcp` false) or an RTCP compound (`rtcp` true) with master key
    /// `keyIndex` (its MKI is written when the keys have MKIs).
    public func protect(_ packet: [UInt8], rtcp: Bool, keyIndex: Int = 0) throws(LibsrtpError) -> [UInt8] {
        try transform(packet, rtcp: rtcp, keyIndex: keyIndex, unprotect: false)
    }

    /// libsrtp keeps the index itself (ROC from `addStream`, SRTCP index counted per stream).
    func protect(_ packet: [UInt8], rtcp: Bool, keyIndex: Int, roc: UInt32, index: UInt64) throws(SynthesisError)
        -> [UInt8]
    {
        do { return try protect(packet, rtcp: rtcp, keyIndex: keyIndex) } catch {
            throw SynthesisError(error.description)
        }
    }

    func prepare(ssrc: UInt32, roc: UInt32) throws(SynthesisError) {
        do { try addStream(ssrc: ssrc, roc: roc) } catch { throw SynthesisError(error.description) }
    }

    /// Unprotects (oracle sessions); the error status tells auth (7) from replay (9, 10) failures.
    public func unprotect(_ packet: [UInt8], rtcp: Bool) throws(LibsrtpError) -> [UInt8] {
        try transform(packet, rtcp: rtcp, keyIndex: 0, unprotect: true)
    }

    private func transform(_ packet: [UInt8], rtcp: Bool, keyIndex: Int, unprotect: Bool) throws(LibsrtpError)
        -> [UInt8]
    {
        // Room for the tag (up to 16), MKI (up to 128 in theory; we allow 16) and the SRTCP index.
        if scratch.count < packet.count + 64 { scratch = [UInt8](repeating: 0, count: packet.count + 64) }
        for i in 0..<packet.count { scratch[i] = packet[i] }
        var length = Int32(packet.count)
        let usesMKI: UInt32 = keys.contains { !$0.mki.isEmpty } ? 1 : 0
        let index = UInt32(keyIndex)
        let status: srtp_err_status_t = scratch.withUnsafeMutableBytes { buffer in
            switch (rtcp, unprotect) {
            case (false, false): srtp_protect_mki(session, buffer.baseAddress, &length, usesMKI, index)
            case (true, false): srtp_protect_rtcp_mki(session, buffer.baseAddress, &length, usesMKI, index)
            case (false, true): srtp_unprotect_mki(session, buffer.baseAddress, &length, usesMKI)
            case (true, true): srtp_unprotect_rtcp_mki(session, buffer.baseAddress, &length, usesMKI)
            }
        }
        guard status == srtp_err_status_ok else {
            throw LibsrtpError(
                operation: unprotect
                    ? (rtcp ? "srtp_unprotect_rtcp" : "srtp_unprotect") : (rtcp ? "srtp_protect_rtcp" : "srtp_protect"),
                status: Int32(status.rawValue))
        }
        return Array(scratch[0..<Int(max(0, length))])
    }
}
