import CSRTP
import LibsrtpRuntime

/// A libsrtp 2.5 (Debian's libsrtp2, test oracle only) sending session for one SSRC.
final class LibsrtpSender {
    private var session: srtp_t?

    /// The libsrtp names of the suites it implements correctly (AES-192 is left out: libsrtp 2.5 derives its
    /// keys against RFC 6188, cisco/libsrtp #763; f8 is not in libsrtp 2).
    enum Suite: String, CaseIterable, Sendable {
        case aes128_80 = "AES_CM_128_HMAC_SHA1_80"
        case aes128_32 = "AES_CM_128_HMAC_SHA1_32"
        case aes256_80 = "AES_256_CM_HMAC_SHA1_80"
        case aes256_32 = "AES_256_CM_HMAC_SHA1_32"
        case gcm128 = "AEAD_AES_128_GCM"
        case gcm256 = "AEAD_AES_256_GCM"
        case null80 = "NULL_HMAC_SHA1_80"

        func set(rtp: inout srtp_crypto_policy_t, rtcp: inout srtp_crypto_policy_t) {
            switch self {
            case .aes128_80:
                srtp_crypto_policy_set_rtp_default(&rtp)
                srtp_crypto_policy_set_rtp_default(&rtcp)
            case .aes128_32:
                srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp)
                srtp_crypto_policy_set_rtp_default(&rtcp)  // RFC 4568 §6.2.2: SRTCP keeps 80 bits
            case .aes256_80:
                srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtp)
                srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp)
            case .aes256_32:
                srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&rtp)
                srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp)
            case .gcm128:
                srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp)
                srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtcp)
            case .gcm256:
                srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtp)
                srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtcp)
            case .null80:
                srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&rtp)
                srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&rtcp)
            }
        }
    }

    /// `keys` are key||salt concatenations; `mkis` their MKIs (all one length, or empty for no MKI).
    init(suite: Suite, ssrc: UInt32, keys: [[UInt8]], mkis: [[UInt8]], roc: UInt32, encryptedExtensionIDs: [Int32] = [])
        throws
    {
        guard LibsrtpRuntime.initialized else { throw OracleError("srtp_init failed") }
        var policy = srtp_policy_t()
        suite.set(rtp: &policy.rtp, rtcp: &policy.rtcp)
        policy.ssrc.type = ssrc_specific
        policy.ssrc.value = ssrc
        policy.window_size = 128
        policy.allow_repeat_tx = 1
        // libsrtp copies keys and MKIs in srtp_create; these buffers only need to outlive the call.
        let keyBuffers = keys.map { k -> UnsafeMutablePointer<UInt8> in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(k.count, 64))
            p.initialize(repeating: 0, count: max(k.count, 64))
            p.update(from: k, count: k.count)
            return p
        }
        let mkiBuffers = mkis.map { m -> UnsafeMutablePointer<UInt8> in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(m.count, 1))
            p.update(from: m, count: m.count)
            return p
        }
        var masterKeys = keys.indices.map { i in
            srtp_master_key_t(
                key: keyBuffers[i], mki_id: mkis.isEmpty ? nil : mkiBuffers[i], mki_size: UInt32(mkis.first?.count ?? 0)
            )
        }
        var ids = encryptedExtensionIDs
        defer {
            keyBuffers.forEach { $0.deallocate() }
            mkiBuffers.forEach { $0.deallocate() }
        }
        let status: srtp_err_status_t = masterKeys.withUnsafeMutableBufferPointer { mk in
            var pointers: [UnsafeMutablePointer<srtp_master_key_t>?] = (0..<mk.count).map { i in
                mk.baseAddress.map { $0 + i }
            }
            return pointers.withUnsafeMutableBufferPointer { pp in
                ids.withUnsafeMutableBufferPointer { idp in
                    if mkis.isEmpty {
                        policy.key = keyBuffers[0]
                    } else {
                        policy.keys = pp.baseAddress
                        policy.num_master_keys = UInt(keys.count)
                    }
                    if idp.count > 0 {
                        policy.enc_xtn_hdr = idp.baseAddress
                        policy.enc_xtn_hdr_count = Int32(idp.count)
                    }
                    return srtp_create(&session, &policy)
                }
            }
        }
        guard status == srtp_err_status_ok else { throw OracleError("srtp_create: \(status)") }
        if roc != 0 {
            guard srtp_set_stream_roc(session, ssrc, roc) == srtp_err_status_ok else {
                throw OracleError("srtp_set_stream_roc")
            }
        }
    }

    deinit { if let session { srtp_dealloc(session) } }

    func protect(_ packet: [UInt8], mkiIndex: Int?) throws -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: Int(SRTP_MAX_TRAILER_LEN) + 16)
        var length = Int32(packet.count)
        let status = buffer.withUnsafeMutableBytes {
            srtp_protect_mki(session, $0.baseAddress, &length, mkiIndex == nil ? 0 : 1, UInt32(mkiIndex ?? 0))
        }
        guard status == srtp_err_status_ok else { throw OracleError("srtp_protect_mki: \(status)") }
        return Array(buffer[0..<Int(length)])
    }

    func protectRTCP(_ packet: [UInt8], mkiIndex: Int?) throws -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: Int(SRTP_MAX_TRAILER_LEN) + 16)
        var length = Int32(packet.count)
        let status = buffer.withUnsafeMutableBytes {
            srtp_protect_rtcp_mki(session, $0.baseAddress, &length, mkiIndex == nil ? 0 : 1, UInt32(mkiIndex ?? 0))
        }
        guard status == srtp_err_status_ok else { throw OracleError("srtp_protect_rtcp_mki: \(status)") }
        return Array(buffer[0..<Int(length)])
    }
}

struct OracleError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
