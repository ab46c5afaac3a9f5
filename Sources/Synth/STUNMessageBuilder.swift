import Crypto

/// Builds one STUN message (RFC 8489 §5): the 20-byte header (type, length, magic cookie, transaction
/// ID) and attributes in TLV form, each padded to 32 bits (§14), with MESSAGE-INTEGRITY (§14.5) and
/// FINGERPRINT (§14.7) computed over what precedes them. Pure byte assembly, for the TURN exchange.
struct STUNMessageBuilder {
    static let magicCookie: UInt32 = 0x2112_A442

    /// Methods (RFC 8489 §18.2, RFC 8656 §17) and classes (RFC 8489 §5: C1 is bit 8, C0 bit 4).
    enum Method: UInt16 {
        case allocate = 0x003
        case refresh = 0x004
        case send = 0x006
        case data = 0x007
        case createPermission = 0x008
        case channelBind = 0x009
    }

    enum Class: UInt16 {
        case request = 0x000
        case indication = 0x010
        case success = 0x100
        case error = 0x110
    }

    /// Attribute types (RFC 8489 §18.3, RFC 8656 §18).
    enum Attribute: UInt16 {
        case username = 0x0006
        case messageIntegrity = 0x0008
        case errorCode = 0x0009
        case channelNumber = 0x000C
        case lifetime = 0x000D
        case xorPeerAddress = 0x0012
        case data = 0x0013
        case realm = 0x0014
        case nonce = 0x0015
        case xorRelayedAddress = 0x0016
        case evenPort = 0x0018
        case requestedTransport = 0x0019
        case xorMappedAddress = 0x0020
        case reservationToken = 0x0022
        case software = 0x8022
        case fingerprint = 0x8028
    }

    let type: UInt16
    let transactionID: [UInt8]
    private(set) var attributes: [UInt8] = []

    init(_ method: Method, _ messageClass: Class, transactionID: [UInt8]) {
        type = method.rawValue | messageClass.rawValue
        self.transactionID = transactionID
    }

    /// The header with a given attributes length.
    private func header(length: Int) -> [UInt8] {
        be16(type) + be16(UInt16(truncatingIfNeeded: length)) + be32(Self.magicCookie) + transactionID
    }

    var bytes: [UInt8] { header(length: attributes.count) + attributes }

    mutating func add(_ attribute: Attribute, _ value: [UInt8]) {
        attributes += be16(attribute.rawValue) + be16(UInt16(truncatingIfNeeded: value.count)) + value
        while attributes.count % 4 != 0 { attributes.append(0) }
    }

    mutating func add(_ attribute: Attribute, text: String) { add(attribute, Array(text.utf8)) }

    mutating func add(_ attribute: Attribute, uint32 value: UInt32) { add(attribute, be32(value)) }

    /// XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS (RFC 8489 §14.2): family, port XOR the
    /// cookie's high 16 bits, address XOR the cookie (IPv4) or the cookie and transaction ID (IPv6).
    mutating func add(_ attribute: Attribute, address: Endpoint) {
        let mask = be32(Self.magicCookie) + transactionID
        let x = address.address.enumerated().map { $0.element ^ mask[$0.offset] }
        add(attribute, [0, address.isIPv6 ? 2 : 1] + be16(address.port ^ 0x2112) + x)
    }

    /// ERROR-CODE (RFC 8489 §14.8): class (hundreds) and number, then the reason phrase.
    mutating func addError(_ code: Int, _ reason: String) {
        add(.errorCode, [0, 0, UInt8(code / 100), UInt8(code % 100)] + Array(reason.utf8))
    }

    /// MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 over the message so far, its header length
    /// already counting this attribute (24 bytes), with the long-term key (§9.2.2).
    mutating func addMessageIntegrity(key: [UInt8]) throws(SynthesisError) {
        let covered = header(length: attributes.count + 24) + attributes
        var mac = [UInt8](repeating: 0, count: 20)
        do {
            let hmac = try CryptoProviders.default.makeHMACSHA1(key: key)
            try hmac.reset()
            try covered.withUnsafeBytes { try hmac.update($0) }
            try mac.withUnsafeMutableBytes { try hmac.finalize(into: $0) }
        } catch {
            throw SynthesisError("STUN MESSAGE-INTEGRITY: \(error)")
        }
        add(.messageIntegrity, mac)
    }

    /// FINGERPRINT (RFC 8489 §14.7): CRC-32 of the message so far (header length counting this
    /// attribute) XOR 0x5354554E.
    mutating func addFingerprint() {
        let covered = header(length: attributes.count + 8) + attributes
        add(.fingerprint, uint32: CRC32.checksum(covered) ^ 0x5354_554E)
    }

    /// The long-term credential key (RFC 8489 §9.2.2): MD5(username ":" realm ":" password), the
    /// strings taken as given (plain ASCII here, which OpaqueString leaves unchanged).
    static func longTermKey(username: String, realm: String, password: String) throws(SynthesisError) -> [UInt8] {
        do { return try CryptoProviders.default.md5(Array("\(username):\(realm):\(password)".utf8)) } catch {
            throw SynthesisError("STUN long-term key: \(error)")
        }
    }
}

/// CRC-32 of ISO 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320), as STUN's FINGERPRINT uses it
/// (RFC 8489 §14.7).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
