import Transforms

/// A party of the scenario with every default resolved: its addresses, SIP identity and the keys of
/// each `a=crypto` line it writes.
struct PartyPlan {
    var user: String
    var domain: String
    var sipEndpoint: Endpoint
    var mediaEndpoint: Endpoint
    /// Where its media leaves from on the wire (a NAT's mapping, or the SDP address).
    var wireMedia: Endpoint
    /// The media address its SDP announces (a TURN relayed address, or its own).
    var sdpMedia: Endpoint
    var userAgent: String
    var tag: String
    var lines: [ResolvedCryptoLine]
    var media: Scenario.MediaOptions
    /// MS-RTPME: the `k=base64:` text and the DES key reading; nil for SDES.
    var rtpme: (passphrase: String, reading: String)?

    struct ResolvedCryptoLine {
        var tag: Int
        var suite: CryptoSuite
        var keys: [MasterKey]
        var lifetimes: [String?]
        var mkiLengths: [Int]
        var sessionParameters: [String]
        var scale = false

        /// What the session parameters switch off (validated when the line is resolved).
        var services: SessionParameters {
            (try? sessionServices(sessionParameters, suite: suite)) ?? SessionParameters()
        }

        /// The same line with fresh random keys (same tag, suite, lifetimes and MKIs): a rekey.
        func rekeyed(_ rng: inout SeededGenerator) -> ResolvedCryptoLine {
            var copy = self
            copy.keys = keys.map { MasterKey(keyAndSalt: rng.bytes(suite.keyParameterLength), mki: $0.mki) }
            return copy
        }

        /// The SDP attribute (RFC 4568 §9.1): `a=crypto:tag suite inline:key|lifetime|mki:len;inline:… params`.
        var attribute: String {
            var params: [String] = []
            for (i, key) in keys.enumerated() {
                var p = "inline:" + base64(key.keyAndSalt)
                if let lifetime = lifetimes[i] { p += "|" + lifetime }
                if !key.mki.isEmpty {
                    var value: UInt64 = 0
                    for b in key.mki { value = value << 8 | UInt64(b) }
                    p += "|\(value):\(mkiLengths[i])"
                }
                params.append(p)
            }
            var line =
                (scale ? "a=cryptoscale:\(tag) client " : "a=crypto:\(tag) ") + suite.rawValue + " "
                + params.joined(separator: ";")
            if !sessionParameters.isEmpty { line += " " + sessionParameters.joined(separator: " ") }
            return line
        }
    }

    init(
        _ party: Scenario.Party, defaultUser: String, defaultSIPPort: UInt16, defaultMediaPort: UInt16,
        defaultLines: [Scenario.CryptoLine], rng: inout SeededGenerator
    ) throws(SynthesisError) {
        guard let address = Endpoint.parseAddress(party.address) else {
            throw SynthesisError("address \"\(party.address)\" is not an IPv4 or IPv6 address")
        }
        user = party.user ?? defaultUser
        domain = party.domain ?? "example.com"
        sipEndpoint = Endpoint(address: address, port: party.sipPort ?? defaultSIPPort)
        mediaEndpoint = Endpoint(address: address, port: party.mediaPort ?? defaultMediaPort)
        if let nat = party.natAddress {
            guard let colon = nat.lastIndex(of: ":"),
                let natAddress = Endpoint.parseAddress(String(nat[..<colon]).trimmingBrackets),
                let port = UInt16(nat[nat.index(after: colon)...])
            else {
                throw SynthesisError("natAddress \"\(nat)\" is not ip:port")
            }
            wireMedia = Endpoint(address: natAddress, port: port)
        } else {
            wireMedia = mediaEndpoint
        }
        sdpMedia = mediaEndpoint
        userAgent = party.userAgent ?? "srtpdump-synth/1.0"
        tag = rng.hexToken(10)
        media = party.media ?? Scenario.MediaOptions()
        var resolved: [ResolvedCryptoLine] = []
        for (i, line) in (party.crypto ?? defaultLines).enumerated() {
            let suite = line.suite ?? .aesCM128HMACSHA180
            var keys: [MasterKey] = []
            var lifetimes: [String?] = []
            var mkiLengths: [Int] = []
            for (k, spec) in (line.keys ?? [Scenario.KeySpec()]).enumerated() {
                var material: [UInt8]
                if let text = spec.key {
                    guard let decoded = decodeBase64(text) else {
                        throw SynthesisError("crypto line \(i + 1) key \(k + 1): not base64")
                    }
                    material = decoded
                } else {
                    material = rng.bytes(suite.keyParameterLength)
                }
                guard material.count == suite.keyParameterLength else {
                    throw SynthesisError(
                        "crypto line \(i + 1) key \(k + 1): \(material.count) bytes, \(suite.rawValue) needs \(suite.keyParameterLength)"
                    )
                }
                var mki: [UInt8] = []
                if let value = spec.mki {
                    let length = spec.mkiLength ?? 4
                    guard (1...4).contains(length) else {
                        throw SynthesisError("crypto line \(i + 1) key \(k + 1): mkiLength must be 1…4")
                    }
                    mki = Array(be32(value).suffix(length))
                }
                keys.append(MasterKey(keyAndSalt: material, mki: mki))
                lifetimes.append(spec.lifetime)
                mkiLengths.append(mki.count)
            }
            if keys.count > 1 && keys.contains(where: { $0.mki.isEmpty }) {
                throw SynthesisError("crypto line \(i + 1): several keys need an MKI each (RFC 4568 §6.1)")
            }
            let services: SessionParameters
            do { services = try sessionServices(line.sessionParameters ?? [], suite: suite) } catch {
                throw SynthesisError("crypto line \(i + 1): \(error.description)")
            }
            if line.scale == true {
                // MS-SDPEXT 3.1.5.2 / MS-SSRTP §2.2.1: AES_CM_128_HMAC_SHA1_80 and 1-byte MKIs.
                guard suite == .aesCM128HMACSHA180, keys.allSatisfy({ $0.mki.count == 1 }) else {
                    throw SynthesisError(
                        "crypto line \(i + 1): cryptoscale needs AES_CM_128_HMAC_SHA1_80 and keys with mkiLength 1")
                }
                // MS-SSRTP has no unencrypted or unauthenticated variant.
                guard services == SessionParameters() else {
                    throw SynthesisError(
                        "crypto line \(i + 1): cryptoscale takes no UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP or UNAUTHENTICATED_SRTP"
                    )
                }
            }
            resolved.append(
                ResolvedCryptoLine(
                    tag: line.tag ?? i + 1, suite: suite, keys: keys, lifetimes: lifetimes,
                    mkiLengths: mkiLengths, sessionParameters: line.sessionParameters ?? [],
                    scale: line.scale == true))
        }
        if let options = party.rtpme {
            let reading = options.reading ?? "firstEightBytes"
            guard ["firstEightBytes", "sevenBytesWithParity"].contains(reading) else {
                throw SynthesisError("rtpme.reading \"\(reading)\": firstEightBytes or sevenBytesWithParity")
            }
            var passphrase = options.passphrase ?? ""
            if passphrase.isEmpty {
                // 16 ASCII letters and digits as UTF-16LE (MS-SDP 3.1.5.5 reads the bytes as UTF-16LE).
                let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
                let text = (0..<16).map { _ in alphabet[Int(rng.below(UInt64(alphabet.count)))] }
                passphrase = base64(text.flatMap { [$0, 0] })
            }
            rtpme = (passphrase, reading)
        }
        guard !resolved.isEmpty else { throw SynthesisError("party \(user): no crypto line") }
        lines = resolved
    }
}

extension String {
    var trimmingBrackets: String {
        var s = self
        if s.hasPrefix("[") { s.removeFirst() }
        if s.hasSuffix("]") { s.removeLast() }
        return s
    }
}

/// RFC 4648 base64 decoding (padding optional); nil on any other character.
func decodeBase64(_ text: String) -> [UInt8]? {
    var values: [UInt8] = []
    for c in text.utf8 {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(c - 65)
        case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(c - 97 + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(c - 48 + 52)
        case UInt8(ascii: "+"): values.append(62)
        case UInt8(ascii: "/"): values.append(63)
        case UInt8(ascii: "="): continue
        default: return nil
        }
    }
    var out: [UInt8] = []
    var i = 0
    while i + 1 < values.count {
        let chunk = values[i..<min(i + 4, values.count)].map(UInt32.init)
        var word: UInt32 = 0
        for (j, v) in chunk.enumerated() { word |= v << (18 - 6 * UInt32(j)) }
        out.append(UInt8(truncatingIfNeeded: word >> 16))
        if chunk.count > 2 { out.append(UInt8(truncatingIfNeeded: word >> 8)) }
        if chunk.count > 3 { out.append(UInt8(truncatingIfNeeded: word)) }
        i += 4
    }
    return out
}

/// "ip:port" or "[v6]:port" → Endpoint.
func parseEndpoint(_ text: String, field: String) throws(SynthesisError) -> Endpoint {
    guard let colon = text.lastIndex(of: ":"),
        let address = Endpoint.parseAddress(String(text[..<colon]).trimmingBrackets),
        let port = UInt16(text[text.index(after: colon)...])
    else {
        throw SynthesisError("\(field) \"\(text)\" is not ip:port")
    }
    return Endpoint(address: address, port: port)
}
