import Datagrams
import Transforms

/// The keying material a DTLS-SRTP handshake exports, split per RFC 5764 §4.2:
/// `client_write_SRTP_master_key | server_write_SRTP_master_key | client_write_SRTP_master_salt |
/// server_write_SRTP_master_salt`, each length fixed by the protection profile.
public struct DTLSSRTPKeyingMaterial: Hashable, Sendable {
    public var profile: SRTPProtectionProfile
    public var clientKey: [UInt8]
    public var serverKey: [UInt8]
    public var clientSalt: [UInt8]
    public var serverSalt: [UInt8]

    /// Splits `material` for `profile`; nil when the profile is unknown or the length is not
    /// 2 × (key + salt).
    public init?(_ material: [UInt8], profile: SRTPProtectionProfile) {
        guard let suite = profile.suite, material.count == 2 * (suite.keyLength + suite.saltLength) else { return nil }
        let k = suite.keyLength
        let s = suite.saltLength
        self.profile = profile
        clientKey = Array(material[0..<k])
        serverKey = Array(material[k..<(2 * k)])
        clientSalt = Array(material[(2 * k)..<(2 * k + s)])
        serverSalt = Array(material[(2 * k + s)..<(2 * k + 2 * s)])
    }

    /// The two key-book entries: the client's key protects what the client sends, the server's what
    /// the server sends (RFC 5764 §4.2). With endpoints, each is bound to its sender and destination
    /// (the DTLS 5-tuple is the media's, RFC 5764 §4.1); without, both are unscoped (bound by trial).
    /// The entries have groups 0 and 1 so that `KeyBook.add(manual:)` keeps them apart.
    public func entries(source: KeySource, client: Endpoint?, server: Endpoint?, frame: Int = 0) -> [KeyEntry] {
        guard let suite = profile.suite else { return [] }
        func entry(_ keySalt: [UInt8], sender: Endpoint?, destination: Endpoint?, group: Int) -> KeyEntry {
            var e = KeyEntry(
                source: source, attribute: .dtlsSRTP, suiteName: suite.name, suite: suite, keySalt: keySalt,
                group: group)
            e.frame = frame
            e.effectiveFrame = frame > 0 ? frame : nil
            e.sender = sender
            e.destination = destination
            e.selected = true
            e.keyText = nil
            return e
        }
        return [
            entry(clientKey + clientSalt, sender: client, destination: server, group: 0),
            entry(serverKey + serverSalt, sender: server, destination: client, group: 1),
        ]
    }
}
