// Readers for the media attributes the key book and stream binding need. Each returns nil when the
// value cannot be read; the SDP parser then reports the attribute by name and line.

/// `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]` (RFC 8866 §6.6).
public struct SDPRtpMap: Hashable, Sendable {
    public var payloadType: Int
    public var encoding: String
    public var clockRate: Int
    public var channels: Int?

    static func parse(_ v: Substring) -> SDPRtpMap? {
        let f = v.spaceSeparatedFields
        guard f.count == 2, let pt = parseInt(f[0], in: 0...127) else { return nil }
        let parts = f[1].splitASCII(0x2F)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty,
            let clock = parseInt(parts[1], in: 1...Int(Int32.max))
        else { return nil }
        var channels: Int?
        if parts.count == 3 {
            guard let c = parseInt(parts[2], in: 1...255) else { return nil }
            channels = c
        }
        return SDPRtpMap(payloadType: pt, encoding: String(parts[0]), clockRate: clock, channels: channels)
    }
}

/// `a=fmtp:<format> <parameters>` (RFC 8866 §6.15).
public struct SDPFmtp: Hashable, Sendable {
    public var format: String
    public var parameters: String

    static func parse(_ v: Substring) -> SDPFmtp? {
        let t = v.trimmedSpaces
        guard let space = t.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            return t.isEmpty ? nil : SDPFmtp(format: String(t), parameters: "")
        }
        return SDPFmtp(format: String(t[..<space]), parameters: String(t[space...].trimmedSpaces))
    }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605 §2.1).
public struct SDPRtcp: Hashable, Sendable {
    public var port: Int
    public var netType: String?
    public var addrType: String?
    public var address: String?

    static func parse(_ v: Substring) -> SDPRtcp? {
        let f = v.spaceSeparatedFields
        guard f.count == 1 || f.count == 4, let port = parseInt(f[0], in: 0...65535) else { return nil }
        if f.count == 1 { return SDPRtcp(port: port) }
        return SDPRtcp(port: port, netType: String(f[1]), addrType: String(f[2]), address: String(f[3]))
    }

    init(port: Int, netType: String? = nil, addrType: String? = nil, address: String? = nil) {
        self.port = port
        self.netType = netType
        self.addrType = addrType
        self.address = address
    }
}

/// `a=ssrc:<ssrc-id> <attribute>[:<value>]` (RFC 5576 §4.1).
public struct SDPSsrc: Hashable, Sendable {
    public var ssrc: UInt32
    public var attribute: String
    public var value: String?

    static func parse(_ v: Substring) -> SDPSsrc? {
        let t = v.trimmedSpaces
        let idText: Substring
        var rest: Substring = ""
        if let space = t.firstIndex(ofASCII: 0x20) {
            idText = t[..<space]
            rest = t[space...].trimmedSpaces
        } else {
            idText = t
        }
        guard let id = parseDecimal(idText, maxDigits: 10), id <= UInt64(UInt32.max) else { return nil }
        var attribute = rest
        var value: Substring?
        if let colon = rest.firstIndex(ofASCII: 0x3A) {
            attribute = rest[..<colon]
            value = rest[rest.index(after: colon)...]
        }
        return SDPSsrc(ssrc: UInt32(id), attribute: String(attribute), value: value.map(String.init))
    }
}

/// `a=candidate:` (RFC 8839 §5.1): foundation, component, transport, priority, address, port, type,
/// and the related address and port of reflexive and relayed candidates.
public struct SDPCandidate: Hashable, Sendable {
    public var foundation: String
    public var component: Int
    public var transport: String
    public var priority: UInt32
    public var address: String
    public var port: Int
    public var type: String
    public var relatedAddress: String?
    public var relatedPort: Int?
    /// Further name/value pairs (`generation 0`, `tcptype passive`, …).
    public var extensions: [Extension] = []

    public struct Extension: Hashable, Sendable {
        public var name: String
        public var value: String
    }

    static func parse(_ v: Substring) -> SDPCandidate? {
        let f = v.spaceSeparatedFields
        guard f.count >= 8, f[6] == "typ", let component = parseInt(f[1], in: 1...256),
            let priority = parseDecimal(f[3], maxDigits: 10), priority <= UInt64(UInt32.max),
            let port = parseInt(f[5], in: 0...65535)
        else { return nil }
        var c = SDPCandidate(
            foundation: String(f[0]), component: component, transport: f[2].asciiUppercased,
            priority: UInt32(priority), address: String(f[4]), port: port, type: String(f[7]))
        var i = 8
        while i + 1 < f.count {
            switch f[i] {
            case "raddr": c.relatedAddress = String(f[i + 1])
            case "rport":
                guard let p = parseInt(f[i + 1], in: 0...65535) else { return nil }
                c.relatedPort = p
            default: c.extensions.append(Extension(name: String(f[i]), value: String(f[i + 1])))
            }
            i += 2
        }
        return c
    }

    init(
        foundation: String, component: Int, transport: String, priority: UInt32, address: String, port: Int,
        type: String
    ) {
        self.foundation = foundation
        self.component = component
        self.transport = transport
        self.priority = priority
        self.address = address
        self.port = port
        self.type = type
    }
}

/// `a=extmap:<id>[/<direction>] <uri> [<attributes>]` (RFC 8285 §7). An RFC 6904 encrypted extension
/// is written with the URI `urn:ietf:params:rtp-hdrext:encrypt` followed by the URI it protects.
public struct SDPExtmap: Hashable, Sendable {
    public var id: Int
    public var direction: String?
    public var uri: String
    public var attributes: String?

    public static let encryptURI = "urn:ietf:params:rtp-hdrext:encrypt"

    /// Whether this extension's element is encrypted (RFC 6904 §4).
    public var isEncrypted: Bool { uri == SDPExtmap.encryptURI }
    /// For an encrypted extension, the URI of the extension it carries.
    public var encryptedURI: String? {
        guard isEncrypted, let a = attributes else { return nil }
        return a.spaceSeparatedFields.first.map(String.init)
    }

    static func parse(_ v: Substring) -> SDPExtmap? {
        let f = v.spaceSeparatedFields
        guard f.count >= 2 else { return nil }
        let idParts = f[0].split(separator: "/", maxSplits: 1)
        guard let first = idParts.first, let id = parseInt(first, in: 1...4096) else { return nil }
        let rest = f.dropFirst(2)
        return SDPExtmap(
            id: id, direction: idParts.count > 1 ? String(idParts[1]) : nil, uri: String(f[1]),
            attributes: rest.isEmpty ? nil : rest.joined(separator: " "))
    }
}

/// `a=fingerprint:<hash-func> <hex:pairs>` (RFC 8122 §5): recorded for DTLS-SRTP.
public struct SDPFingerprint: Hashable, Sendable {
    public var hashFunction: String
    public var fingerprint: [UInt8]

    static func parse(_ v: Substring) -> SDPFingerprint? {
        let f = v.spaceSeparatedFields
        guard f.count == 2 else { return nil }
        var bytes: [UInt8] = []
        for pair in f[1].splitASCII(0x3A) {
            guard pair.count == 2, let b = UInt8(pair, radix: 16) else { return nil }
            bytes.append(b)
        }
        return SDPFingerprint(hashFunction: f[0].asciiLowercased, fingerprint: bytes)
    }
}

/// `a=zrtp-hash:<version> <hash>` (RFC 6189 §8.1): 64 hex digits of SHA-256 of the Hello message.
public struct SDPZRTPHash: Hashable, Sendable {
    public var version: String
    public var hash: String

    static func parse(_ v: Substring) -> SDPZRTPHash? {
        let f = v.spaceSeparatedFields
        guard f.count == 2, f[1].count == 64, f[1].allSatisfy(\.isHexDigit) else { return nil }
        return SDPZRTPHash(version: String(f[0]), hash: f[1].asciiLowercased)
    }
}

/// `a=key-mgmt:<prtcl-id> <keymgmt-data>` (RFC 4567 §3.1): the protocol (`mikey`) and its base64 data.
public struct SDPKeyManagement: Hashable, Sendable {
    public var protocolID: String
    public var data: String
    /// Decoded data length in bytes (nil when the base64 is invalid).
    public var decodedLength: Int?

    static func parse(_ v: Substring) -> SDPKeyManagement? {
        let f = v.spaceSeparatedFields
        guard f.count == 2 else { return nil }
        let length: Int? =
            switch Base64.decode(f[1]) {
            case .success(let b): b.count
            case .failure: nil
            }
        return SDPKeyManagement(protocolID: f[0].asciiLowercased, data: String(f[1]), decodedLength: length)
    }
}
