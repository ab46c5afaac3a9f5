import Capture

/// A parsed SDP body (RFC 8866, which obsoletes RFC 4566), session level and media descriptions.
///
/// Media descriptions carry both what they said themselves and the values they inherit from the
/// session level (`effective…`), so that later stages never have to redo the inheritance rules.
public struct SessionDescription: Hashable, Sendable {
    public var version: Int?
    public var origin: SDPOrigin?
    public var sessionName: String?
    public var connection: SDPConnection?
    public var bandwidths: [String]
    public var times: [String]
    /// Session-level `k=` (RFC 4566 §5.12; MS-SDP §3.1.5.5).
    public var key: SDPKeyField?
    public var attributes: [SDPAttribute]
    public var media: [SDPMedia]
    /// Session-level security and transport attributes, parsed.
    public var security: SDPSecurity
    public var direction: SDPDirection?

    public init() {
        version = nil
        origin = nil
        sessionName = nil
        connection = nil
        bandwidths = []
        times = []
        key = nil
        attributes = []
        media = []
        security = SDPSecurity()
        direction = nil
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2).
public struct SDPOrigin: Hashable, Sendable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: String
    public var netType: String
    public var addrType: String
    public var address: String
}

/// `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7), multicast TTL and count split out.
public struct SDPConnection: Hashable, Sendable {
    public var netType: String
    /// `IP4` or `IP6` (others kept as written).
    public var addrType: String
    /// The address without `/ttl/count` (an IP literal or, rarely, a host name).
    public var address: String
    public var ttl: Int?
    /// Number of consecutive multicast addresses (1 when absent).
    public var count: Int
    public var line: Int

    /// RFC 8866 §5.7: the unspecified address (0.0.0.0, or "::") means "hold" in older usage and
    /// "not yet known" in WebRTC / ICE (RFC 8839 §4.2.5 uses 0.0.0.0 or IP6 ::).
    public var isUnspecified: Bool { address == "0.0.0.0" || address == "::" }
}

/// A line `a=<name>[:<value>]` as written, kept for every attribute, known or not.
public struct SDPAttribute: Hashable, Sendable {
    public var name: String
    public var value: String?
    public var line: Int
}

/// Media direction (RFC 8866 §6.7); sendrecv when nothing is said.
public enum SDPDirection: String, Hashable, Sendable { case sendrecv, sendonly, recvonly, inactive }

/// `k=` (RFC 4566 §5.12, removed from RFC 8866 but used by MS-SDP §3.1.5.5).
public struct SDPKeyField: Hashable, Sendable {
    public enum Method: String, Hashable, Sendable { case base64, clear, uri, prompt, unknown }
    public var method: Method
    /// The text after `method:` as given, trimmed (MS-SDP examples put a space after the colon).
    public var text: String
    /// For `base64:`, the decoded bytes (nil when invalid).
    public var decoded: [UInt8]?
    public var line: Int
}

/// `a=encryption:` (MS-SDP §3.1.5.4, §3.1.5.5.2).
public enum SDPEncryptionPolicy: String, Hashable, Sendable { case required, optional, rejected }

/// Keying and encryption attributes, at session or media level.
public struct SDPSecurity: Hashable, Sendable {
    /// `a=crypto` and `a=cryptoscale` lines, in order.
    public var crypto: [SDESCryptoAttribute] = []
    public var encryption: SDPEncryptionPolicy?
    /// `a=key-mgmt` (RFC 4567).
    public var keyManagement: [SDPKeyManagement] = []
    /// `a=fingerprint` (RFC 8122 §5).
    public var fingerprints: [SDPFingerprint] = []
    /// `a=setup` (RFC 4145 §4): active, passive, actpass, holdconn.
    public var setup: String?
    /// `a=zrtp-hash` (RFC 6189 §8.1).
    public var zrtpHashes: [SDPZRTPHash] = []
    /// `a=3ge2ae` (draft-dawes-dispatch-mediasec-parameter §2.6): end-to-access-edge protection requested.
    public var endToAccessEdge: Bool = false
    /// `a=cryptex` (RFC 9335 §5): header extensions and CSRCs encrypted.
    public var cryptex: Bool = false

    public init() {}
}

/// One `m=` section with its attributes, parsed, and the values it inherits.
public struct SDPMedia: Hashable, Sendable {
    public var type: String
    public var port: Int
    /// From `m=<media> <port>/<count>`: consecutive port pairs (RFC 8866 §5.14); 1 when absent.
    public var portCount: Int
    /// Transport protocol as written (`RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, …).
    public var proto: String
    public var formats: [String]
    /// The m-line's 1-based line number.
    public var line: Int

    /// `c=` lines of this media description (several for multicast layering).
    public var connections: [SDPConnection] = []
    public var bandwidths: [String] = []
    /// This media's own `k=`.
    public var key: SDPKeyField?
    public var attributes: [SDPAttribute] = []
    public var security = SDPSecurity()
    public var direction: SDPDirection?

    public var rtpmaps: [SDPRtpMap] = []
    public var fmtps: [SDPFmtp] = []
    public var ptime: Double?
    public var rtcp: SDPRtcp?
    public var rtcpMux: Bool = false
    public var ssrcs: [SDPSsrc] = []
    public var candidates: [SDPCandidate] = []
    public var mid: String?
    public var extmaps: [SDPExtmap] = []

    // Inherited from the session level where the media says nothing (filled by the parser).
    public var effectiveConnection: SDPConnection?
    public var effectiveKey: SDPKeyField?
    public var effectiveEncryption: SDPEncryptionPolicy?
    public var effectiveDirection: SDPDirection = .sendrecv
    public var effectiveFingerprints: [SDPFingerprint] = []
    public var effectiveSetup: String?
    public var effectiveKeyManagement: [SDPKeyManagement] = []
    public var effectiveCryptex: Bool = false
    public var effectiveEndToAccessEdge: Bool = false

    /// Port 0 rejects or disables the stream (RFC 3264 §6; RFC 8866 §5.14).
    public var isRejected: Bool { port == 0 }

    /// Where this media's RTCP is received: on the RTP port with `a=rtcp-mux` (RFC 5761 §5.1.1), on
    /// the `a=rtcp` port and address when given (RFC 3605 §2.1), else on the next port up (RFC 3550
    /// §11). The address is nil when it is the media's own connection address. Nil for rejected media.
    public var rtcpDestination: (address: String?, port: Int)? {
        guard !isRejected else { return nil }
        if rtcpMux { return (nil, port) }
        if let rtcp { return (rtcp.address, rtcp.port) }
        return port < 65535 ? (nil, port + 1) : nil
    }

    /// Whether the protocol is secure RTP (SAVP/SAVPF, over UDP, TCP or DTLS).
    public var isSecureProfile: Bool { proto.asciiUppercased.contains("SAVP") }

    /// True for the DTLS-SRTP profiles (`UDP/TLS/RTP/SAVP(F)`, RFC 5764 §8).
    public var isDTLSProfile: Bool { proto.asciiUppercased.contains("TLS/RTP") }
}
