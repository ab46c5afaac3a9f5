import Crypto
import KeyBook

/// The RFC 5705 keying-material exporter as DTLS-SRTP uses it (RFC 5764 §4.2): label
/// `EXTRACTOR-dtls_srtp`, no context, so `PRF(master_secret, label, client_random + server_random)`
/// cut to 2 × (key + salt) of the negotiated profile.
public enum DTLSSRTPExporter {
    public static let label = Array("EXTRACTOR-dtls_srtp".utf8)

    /// `length` bytes exported with `label` (RFC 5705 §4, no context).
    public static func export(
        masterSecret: [UInt8], clientRandom: [UInt8], serverRandom: [UInt8], prf: TLSPRF, length: Int,
        label: [UInt8] = DTLSSRTPExporter.label, digests: any MessageDigests
    ) throws -> [UInt8] {
        try prf.compute(
            secret: masterSecret, label: label, seed: clientRandom + serverRandom, length: length, digests: digests)
    }

    /// The split keying material of `profile`; nil when srtpdump does not implement the profile.
    public static func keyingMaterial(
        masterSecret: [UInt8], clientRandom: [UInt8], serverRandom: [UInt8], prf: TLSPRF,
        profile: SRTPProtectionProfile, digests: any MessageDigests
    ) throws -> DTLSSRTPKeyingMaterial? {
        guard let length = profile.materialLength else { return nil }
        let m = try export(
            masterSecret: masterSecret, clientRandom: clientRandom, serverRandom: serverRandom, prf: prf,
            length: length, digests: digests)
        return DTLSSRTPKeyingMaterial(m, profile: profile)
    }
}
