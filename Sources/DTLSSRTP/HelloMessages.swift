/// What srtpdump reads from a ClientHello or ServerHello (RFC 5246 §7.4.1.2–3 with the DTLS cookie,
/// RFC 6347 §4.2.1): version, random, cipher suite(s), and the extensions DTLS-SRTP depends on:
/// `use_srtp` (14, RFC 5764 §4.1.1) and `extended_master_secret` (23, RFC 7627 §5.1).
public struct HelloMessage: Hashable, Sendable {
    public var version: UInt16
    public var random: [UInt8]
    /// Offered (ClientHello) or the one chosen (ServerHello, a single element).
    public var cipherSuites: [UInt16]
    /// `use_srtp` protection profiles: offered, or the one chosen; nil when the extension is absent.
    public var srtpProfiles: [UInt16]?
    /// `use_srtp`'s srtp_mki (empty: no MKI).
    public var srtpMKI: [UInt8] = []
    public var extendedMasterSecret = false
    /// A ServerHello's `supported_versions` (43, RFC 8446 §4.2.1; DTLS 1.3, RFC 9147 §5.3): the
    /// version really chosen, the hello's own field then saying 1.2.
    public var selectedVersion: UInt16?

    static let useSRTP: UInt16 = 14
    static let extendedMasterSecretType: UInt16 = 23
    static let supportedVersions: UInt16 = 43

    /// Parses a ClientHello (`client == true`) or ServerHello body. Throws a short reason.
    static func parse(_ body: [UInt8], client: Bool) throws(HelloParseError) -> HelloMessage {
        var r = HandshakeReader(body[...])
        guard let version = r.u16(), let random = r.take(32) else { throw HelloParseError("version/random truncated") }
        guard let sessionID = r.vector8(), sessionID.count <= 32 else {
            throw HelloParseError("session_id truncated or over 32 bytes")
        }
        var suites: [UInt16] = []
        if client {
            guard r.vector8() != nil else { throw HelloParseError("cookie truncated") }
            guard let list = r.vector16(), list.count % 2 == 0 else {
                throw HelloParseError("cipher_suites truncated or odd")
            }
            var lr = HandshakeReader(list)
            while let s = lr.u16() { suites.append(s) }
            guard r.vector8() != nil else { throw HelloParseError("compression_methods truncated") }
        } else {
            guard let s = r.u16(), r.u8() != nil else { throw HelloParseError("cipher_suite/compression truncated") }
            suites = [s]
        }
        var hello = HelloMessage(version: version, random: Array(random), cipherSuites: suites)
        if r.isAtEnd { return hello }  // no extensions (RFC 5246 §7.4.1.2)
        guard let extensions = r.vector16() else { throw HelloParseError("extensions truncated") }
        var er = HandshakeReader(extensions)
        while !er.isAtEnd {
            guard let type = er.u16(), let data = er.vector16() else { throw HelloParseError("extension truncated") }
            switch type {
            case useSRTP:
                var sr = HandshakeReader(data)
                guard let list = sr.vector16(), list.count % 2 == 0, let mki = sr.vector8() else {
                    throw HelloParseError("use_srtp extension malformed")
                }
                var lr = HandshakeReader(list)
                var profiles: [UInt16] = []
                while let p = lr.u16() { profiles.append(p) }
                hello.srtpProfiles = profiles
                hello.srtpMKI = Array(mki)
            case extendedMasterSecretType:
                hello.extendedMasterSecret = true
            case supportedVersions where !client:
                var vr = HandshakeReader(data)
                hello.selectedVersion = vr.u16()
            default:
                break
            }
        }
        return hello
    }
}

struct HelloParseError: Error {
    var reason: String
    init(_ r: String) { reason = r }
}

/// A Certificate message (RFC 5246 §7.4.2): the sender's own certificate comes first.
enum CertificateMessage {
    /// The DER of the first certificate, or nil when the list is empty or malformed.
    static func firstCertificate(_ body: [UInt8]) -> [UInt8]? {
        var r = HandshakeReader(body[...])
        guard let list = r.vector24() else { return nil }
        var lr = HandshakeReader(list)
        guard let first = lr.vector24(), !first.isEmpty else { return nil }
        return Array(first)
    }
}
