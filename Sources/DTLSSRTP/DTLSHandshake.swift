import Datagrams
import KeyBook

/// One DTLS handshake seen on a flow, as far as it was readable (until each side's
/// ChangeCipherSpec; what follows is encrypted, RFC 6347 §4.1).
public struct DTLSHandshake: Hashable, Sendable {
    /// The ClientHello's sender and receiver: the DTLS client writes SRTP with the client key.
    public var client: Endpoint
    public var server: Endpoint
    public var clientHelloFrame: Int
    public var serverHelloFrame: Int?
    /// The ClientHello's version and the negotiated one (ServerHello): 0xFEFF DTLS 1.0, 0xFEFD 1.2.
    public var offeredVersion: UInt16
    public var version: UInt16?
    public var clientRandom: [UInt8]
    public var serverRandom: [UInt8]?
    public var cipherSuite: UInt16?
    /// `use_srtp` (RFC 5764 §4.1.1): the client's list and MKI, and the server's choice.
    public var offeredProfiles: [SRTPProtectionProfile] = []
    public var offeredMKI: [UInt8] = []
    public var profile: SRTPProtectionProfile?
    public var mki: [UInt8] = []
    /// Both hellos carried extended_master_secret (RFC 7627 §5.1): the master secret then hashes the
    /// session; the key log holds it already, so derivation does not change.
    public var extendedMasterSecret = false
    /// The first certificate of each side's Certificate message (DER), and the frame that completed it.
    public var clientCertificate: [UInt8]?
    public var serverCertificate: [UInt8]?
    public var clientCertificateFrame: Int?
    public var serverCertificateFrame: Int?
    /// Frames of each side's ChangeCipherSpec.
    public var clientChangeCipherSpecFrame: Int?
    public var serverChangeCipherSpecFrame: Int?
    /// The handshake messages in order of completion: frame, sent by the client?, type.
    public var messages: [Message] = []
    /// Where the SRTP keys came from, when they were derived (`--tls-keylog FILE line N`).
    public var keySource: String?
    /// The call whose SDP announced a certificate fingerprint that matched, when one did.
    public var callID: String?

    public struct Message: Hashable, Sendable {
        public var frame: Int
        public var fromClient: Bool
        public var type: UInt8
        public var name: String { HandshakeFragment.name(type) }
    }

    /// Bound on recorded messages (a normal handshake has about 12).
    static let maxMessages = 64

    public var versionName: String { Self.versionName(version ?? offeredVersion) }

    public static func versionName(_ v: UInt16) -> String {
        switch v {
        case 0xFEFF: "DTLS 1.0"
        case 0xFEFD: "DTLS 1.2"
        case 0xFEFC: "DTLS 1.3"
        default: "DTLS 0x" + String(v, radix: 16)
        }
    }

    /// A few lines for `calls` and `streams`.
    public var summary: String {
        var s = "DTLS handshake \(client) → \(server), \(versionName), ClientHello frame \(clientHelloFrame)"
        if let f = serverHelloFrame { s += ", ServerHello frame \(f)" }
        s += "\n"
        let offered = offeredProfiles.map(\.name).joined(separator: ", ")
        s += "    use_srtp offered: \(offered.isEmpty ? "none" : offered)"
        if !offeredMKI.isEmpty { s += " (MKI \(Self.hex(offeredMKI)))" }
        s += "; chosen: \(profile?.name ?? "none")"
        if !mki.isEmpty { s += " (MKI \(Self.hex(mki)))" }
        s += "\n"
        if let c = cipherSuite { s += "    cipher suite 0x\(Self.hex([UInt8(c >> 8), UInt8(c & 0xFF)]))" }
        s += extendedMasterSecret ? ", extended master secret" : ""
        s += "\n    client random \(Self.hex(clientRandom))\n"
        s +=
            "    messages: "
            + messages.map { "\($0.frame) \($0.fromClient ? "C" : "S"):\($0.name)" }.joined(separator: ", ")
        s += "\n"
        if let c = callID { s += "    certificate fingerprint matches the SDP of call \(c)\n" }
        s += "    SRTP keys: \(keySource ?? "not derived (no master secret for this client random)")\n"
        return s
    }

    public static func hex(_ b: [UInt8]) -> String {
        let d = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for x in b {
            out.append(d[Int(x >> 4)])
            out.append(d[Int(x & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
