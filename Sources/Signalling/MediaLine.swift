import Capture
import Datagrams

/// One `m=` line of an SDP reduced to what binds media to flows and keys: where its author receives
/// (and, with symmetric RTP, sends from), its RTCP address, SSRCs, ICE candidates and keying attributes.
public struct MediaLine: Hashable, Sendable {
    /// 0-based position of the m-line in its SDP; offer and answer lines pair up by position (RFC 3264 §6).
    public var index: Int
    public var type: String
    public var proto: String
    public var port: Int
    public var formats: [String]
    /// The connection address as written (`c=`, media or session level), nil when there is none.
    public var connectionAddress: String?
    /// The RTP address: `c=` address and `m=` port, nil when the address is not an IP literal.
    public var address: Endpoint?
    /// The RTCP address (RFC 3605 `a=rtcp`, RFC 5761 mux, or port + 1 per RFC 3550 §11).
    public var rtcpAddress: Endpoint?
    public var rtcpMux: Bool
    /// `a=ssrc` values (RFC 5576), unique, in order of appearance.
    public var ssrcs: [UInt32]
    /// ICE candidate addresses (RFC 8839 §5.1): component 1 (RTP) and 2 (RTCP).
    public var candidates: [Candidate]
    public var direction: SDPDirection
    /// SDES attributes (`a=crypto`, `a=cryptoscale`) in order.
    public var crypto: [SDESCryptoAttribute]
    /// `k=` of the media or inherited from the session (MS-SDP §3.1.5.5).
    public var key: SDPKeyField?
    public var encryption: SDPEncryptionPolicy?
    public var cryptex: Bool
    /// RFC 6904 encrypted header extension IDs (`a=extmap` with the encrypt URI).
    public var encryptedExtensionIDs: [Int]
    /// Keying we record but cannot use: MIKEY (`a=key-mgmt`), DTLS-SRTP (`a=fingerprint`), ZRTP.
    public var keyManagement: [String]
    public var fingerprints: [String]
    public var setup: String?
    public var zrtp: Bool
    public var endToAccessEdge: Bool

    public struct Candidate: Hashable, Sendable {
        public var component: Int
        public var transport: String
        public var type: String
        public var endpoint: Endpoint
    }

    /// Port 0: the stream is rejected or disabled (RFC 3264 §6).
    public var isRejected: Bool { port == 0 }

    /// The line's protection in a few words: `SDES`, `MS-SDES`, `k=`, `DTLS-SRTP`, `MIKEY`, `ZRTP`, `none`.
    public var protection: String {
        if !crypto.isEmpty { return crypto.contains { $0.kind == .cryptoscale } ? "SDES (cryptoscale)" : "SDES" }
        if key != nil { return "k=" }
        if !fingerprints.isEmpty { return "DTLS-SRTP" }
        if !keyManagement.isEmpty { return "MIKEY" }
        if zrtp { return "ZRTP" }
        return "none"
    }

    /// Reads the media lines of a session description.
    public static func lines(of sdp: SessionDescription) -> [MediaLine] {
        sdp.media.enumerated().map { i, m in MediaLine(index: i, media: m) }
    }

    init(index: Int, media m: SDPMedia) {
        self.index = index
        type = m.type
        proto = m.proto
        port = m.port
        formats = m.formats
        connectionAddress = m.effectiveConnection?.address
        let ip = m.effectiveConnection.flatMap { IPAddress($0.address) }
        address = ip.flatMap { a in UInt16(exactly: m.port).map { Endpoint(a, $0) } }
        rtcpMux = m.rtcpMux
        if let d = m.rtcpDestination, let port = UInt16(exactly: d.port) {
            let rtcpIP = d.address.flatMap { IPAddress($0) } ?? ip
            rtcpAddress = rtcpIP.map { Endpoint($0, port) }
        } else {
            rtcpAddress = nil
        }
        var seen = Set<UInt32>()
        ssrcs = m.ssrcs.map(\.ssrc).filter { seen.insert($0).inserted }
        candidates = m.candidates.compactMap { c in
            guard let a = IPAddress(c.address), let p = UInt16(exactly: c.port) else { return nil }
            return Candidate(component: c.component, transport: c.transport, type: c.type, endpoint: Endpoint(a, p))
        }
        direction = m.effectiveDirection
        crypto = m.security.crypto
        key = m.effectiveKey
        encryption = m.effectiveEncryption
        cryptex = m.effectiveCryptex
        encryptedExtensionIDs = m.extmaps.filter(\.isEncrypted).map(\.id)
        keyManagement = m.effectiveKeyManagement.map(\.protocolID)
        fingerprints = m.effectiveFingerprints.map { f in
            f.hashFunction + " " + f.fingerprint.map { b in hex2(b) }.joined(separator: ":")
        }
        setup = m.effectiveSetup
        zrtp = !m.security.zrtpHashes.isEmpty
        endToAccessEdge = m.effectiveEndToAccessEdge
    }
}

private func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
}
