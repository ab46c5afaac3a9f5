import Capture
import Datagrams
import Signalling

/// A `--dtls-srtp-material` file: RFC 5764 keying material as endpoints and tools export it (the
/// dsrtp project's `*_material.hex`, media servers' debug dumps), one handshake per line:
///
///     [PROFILE] MATERIAL [client=IP:PORT server=IP:PORT]
///
/// MATERIAL is hex (`0x` optional) or base64 of `client key | server key | client salt | server salt`.
/// PROFILE is a protection profile name or number (`SRTP_AES128_CM_HMAC_SHA1_80`, OpenSSL's
/// `SRTP_AES128_CM_SHA1_80`, `0x0007`, or an SDES suite name). Without it the length decides:
/// 60 bytes is AES-128 (offered as both `_80` and `_32`), 56 AES-128-GCM, 88 AES-256-GCM. With the
/// flow, the client's key binds to what the client sends and the server's to what the server sends;
/// without, both are found by trial authentication. `#` starts a comment.
public enum DTLSSRTPMaterialFile {
    public static func read(path: String) throws(KeyInputError) -> [KeyEntry] {
        switch FileBytes.read(path) {
        case .success(let bytes): return try parse(bytes, path: path)
        case .failure(let p): throw KeyInputError(option: "--dtls-srtp-material", position: path, p.message)
        }
    }

    /// Every line's two keys (or four, when the profile is left to the length and two fit).
    /// Throws on the first line that cannot be used, naming it.
    public static func parse(_ bytes: [UInt8], path: String) throws(KeyInputError) -> [KeyEntry] {
        var out: [KeyEntry] = []
        var lines = 0
        for (i, raw) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let n = i + 1
            var text = String(decoding: raw, as: UTF8.self)
            if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            if fields.isEmpty { continue }
            func fail(_ m: String) -> KeyInputError {
                KeyInputError(option: "--dtls-srtp-material", position: "\(path) line \(n)", m)
            }
            var profile: SRTPProtectionProfile?
            var material: [UInt8]?
            var client: Endpoint?
            var server: Endpoint?
            for f in fields {
                if f.hasPrefix("client=") || f.hasPrefix("server=") {
                    guard let e = EndpointText.parse(String(f.dropFirst(7))) else {
                        throw fail("\(f) is not IP:PORT (IPv6 as [addr]:port)")
                    }
                    if f.hasPrefix("client=") { client = e } else { server = e }
                } else if let p = SRTPProtectionProfile.named(f) {
                    guard profile == nil else { throw fail("a second profile \(f)") }
                    profile = p
                } else if f.contains("_") && f.uppercased() == f {
                    let names = SRTPProtectionProfile.known.map(\.name).joined(separator: ", ")
                    throw fail("unknown protection profile \(f) (known: \(names))")
                } else {
                    guard material == nil else { throw fail("keying material given twice") }
                    var t = Substring(f)
                    if t.hasPrefix("0x") || t.hasPrefix("0X") { t = t.dropFirst(2) }
                    guard let m = Hex.decode(t) ?? SDESBase64.decode(f) else {
                        throw fail("\(quotedSpec(f)) is neither hex nor base64")
                    }
                    material = m
                }
            }
            guard let material else { throw fail("no keying material on the line") }
            guard (client == nil) == (server == nil) else { throw fail("give both client= and server=, or neither") }
            let profiles: [SRTPProtectionProfile]
            if let profile {
                guard let need = profile.materialLength else {
                    throw fail("profile \(profile.name) has no SRTP suite srtpdump implements")
                }
                guard material.count == need else {
                    throw fail(
                        "\(material.count) bytes of keying material do not fit \(profile.name), which takes \(need) (2 × (key + salt), RFC 5764 §4.2)"
                    )
                }
                profiles = [profile]
            } else {
                profiles = SRTPProtectionProfile.known.filter {
                    $0.materialLength == material.count && $0.suite?.cipher != .null
                }
                guard !profiles.isEmpty else {
                    throw fail(
                        "\(material.count) bytes fit no protection profile (60 for AES-128 CM, 56 for AES-128-GCM, 88 for AES-256-GCM); name the profile if it is another"
                    )
                }
            }
            lines += 1
            for p in profiles {
                guard let split = DTLSSRTPKeyingMaterial(material, profile: p) else { continue }
                var pair = split.entries(source: .dtlsSRTPMaterial(path: path, line: n), client: client, server: server)
                // Groups stay distinct across lines: add(manual:) splits on changes of group.
                for j in pair.indices { pair[j].group = out.count + j }
                out += pair
            }
        }
        guard lines > 0 else {
            throw KeyInputError(option: "--dtls-srtp-material", position: path, "no keying material in the file")
        }
        return out
    }
}
