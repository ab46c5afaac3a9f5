import Capture
import Datagrams
import Signalling
import Transforms

/// Where a key came from.
public enum KeySource: Hashable, Sendable {
    /// An SDP in the capture (or in a `--signalling` file, frame 0).
    case sdp
    /// `--key`, the n-th occurrence (1-based).
    case commandLine(Int)
    /// `--keys FILE`, entry n (1-based).
    case keysFile(path: String, entry: Int)
    /// `--signalling FILE`.
    case signallingFile(path: String)
    /// A DTLS-SRTP handshake in the capture (the frame that completed its hellos), keyed by the master
    /// secret on a line of a `--tls-keylog` file (RFC 5764 §4.2).
    case dtlsHandshake(frame: Int, keyLog: String, line: Int)
    /// `--dtls-srtp-material FILE`, line n: RFC 5764 keying material exported by an endpoint.
    case dtlsSRTPMaterial(path: String, line: Int)
    /// `--keys-from-log FILE`, line n: a key-shaped token in a media server's log.
    case keyLog(path: String, line: Int)

    /// Short text for output: `sdp`, `--key #2`, `--keys k.json #3`, `--signalling s.txt`.
    public var label: String {
        switch self {
        case .sdp: "sdp"
        case .commandLine(let n): "--key #\(n)"
        case .keysFile(let path, let n): "--keys \(path) #\(n)"
        case .signallingFile(let path): "--signalling \(path)"
        case .dtlsHandshake(let frame, let path, let line): "DTLS handshake frame \(frame), --tls-keylog \(path) line \(line)"
        case .dtlsSRTPMaterial(let path, let line): "--dtls-srtp-material \(path) line \(line)"
        case .keyLog(let path, let line): "--keys-from-log \(path) line \(line)"
        }
    }
}

/// The attribute that carried a key.
public enum KeyAttribute: String, Hashable, Sendable {
    /// `a=crypto` (RFC 4568).
    case crypto
    /// `a=cryptoscale` (MS-SDPEXT §3.1.5.2).
    case cryptoscale
    /// `k=` (RFC 4566 §5.12, MS-SDP §3.1.5.5): MS-RTPME's passphrase.
    case k
    /// Given by hand (`--key`), not from an SDP attribute.
    case manual
    /// Exported from a DTLS-SRTP handshake (RFC 5764 §4.2): from a TLS key log or exported material.
    case dtlsSRTP = "dtls-srtp"
    /// Found in a media server's log (`--keys-from-log`).
    case log
}

/// A `--key` scope: the key is a candidate only for streams that match.
public struct KeyScope: Hashable, Sendable {
    public var ssrcs: [UInt32] = []
    public var addresses: [Endpoint] = []
    public var isEmpty: Bool { ssrcs.isEmpty && addresses.isEmpty }
    public init(ssrcs: [UInt32] = [], addresses: [Endpoint] = []) {
        self.ssrcs = ssrcs
        self.addresses = addresses
    }
}

/// One key-param in the book: a master key with everything that says which media it protects.
///
/// An SDP's author protects what it *sends* with its own keys (RFC 4568 §6.1), so a key is bound to its
/// author's advertised address (the packets' source, with symmetric RTP, RFC 4961) and to the peer's
/// advertised address (the packets' destination), to the RTCP ports, to `a=ssrc` and to ICE candidates.
public struct KeyEntry: Hashable, Sendable {
    public var source: KeySource
    public var callID: String?
    /// The frame of the SDP that carried it (0 for side files and `--key`).
    public var frame: Int
    /// From this frame on the key is in effect: the frame that completed the offer/answer exchange.
    /// Nil while unanswered (still a candidate, at lower priority).
    public var effectiveFrame: Int?
    /// Index of the exchange in its dialog (key generations: a re-INVITE rekey makes the next one).
    public var generation: Int
    /// Offer or answer, and who wrote it.
    public var role: SDPRecord.Role?
    public var party: DialogParty?
    /// The sender's RTP address as advertised (`c=`/`m=`), and the text when it is not an IP literal.
    public var sender: Endpoint?
    public var senderText: String?
    public var senderRTCP: Endpoint?
    /// The peer's advertised RTP and RTCP addresses: where the sender's packets go.
    public var destination: Endpoint?
    public var destinationRTCP: Endpoint?
    /// Further destinations: the addresses of other forks that answered the same offer.
    public var otherDestinations: [Endpoint] = []
    public var ssrcs: [UInt32]
    /// ICE candidates of the sender (its packets may come from any of them).
    public var candidates: [Endpoint]
    /// The media type (`audio`, `video`) and the m-line's position.
    public var media: String?
    public var mediaIndex: Int?
    public var attribute: KeyAttribute
    public var tag: UInt32?
    public var suiteName: String
    public var suite: SRTPSuite?
    /// key‖salt; for `k=` the passphrase bytes as decoded (base64) or as given.
    public var keySalt: [UInt8]?
    /// For `k=`: the text as given (`base64:…`, `clear:…`).
    public var keyText: String?
    public var mki: MKI?
    public var lifetime: String?
    public var lifetimePackets: UInt64?
    /// Session parameters as written (`KDR=4`, `UNENCRYPTED_SRTCP`).
    public var params: [String]
    public var cryptex: Bool
    public var encryptedExtensionIDs: [Int]
    /// True when the answer chose this line (and for the answer's own lines).
    public var selected: Bool
    public var scope: KeyScope
    /// Entries of the same attribute share a group: its key-params are one policy's keys (MKIs).
    public var group: Int

    public struct MKI: Hashable, Sendable {
        public var value: UInt64
        public var length: Int
        public init(value: UInt64, length: Int) {
            self.value = value
            self.length = length
        }
        /// Big-endian bytes, as in packets (RFC 3711 §3.1).
        public var bytes: [UInt8] {
            (0..<length).map { i in
                let shift = 8 * (length - 1 - i)
                return shift >= 64 ? 0 : UInt8(truncatingIfNeeded: value >> UInt64(shift))
            }
        }
    }

    public init(
        source: KeySource, attribute: KeyAttribute, suiteName: String, suite: SRTPSuite?, keySalt: [UInt8]?, group: Int
    ) {
        self.source = source
        self.callID = nil
        self.frame = 0
        self.effectiveFrame = nil
        self.generation = 0
        self.role = nil
        self.party = nil
        self.ssrcs = []
        self.candidates = []
        self.attribute = attribute
        self.suiteName = suiteName
        self.suite = suite
        self.keySalt = keySalt
        self.params = []
        self.cryptex = false
        self.encryptedExtensionIDs = []
        self.selected = false
        self.scope = KeyScope()
        self.group = group
    }

    /// The master key, when the material fits the suite.
    public var masterKey: MasterKey? {
        guard let suite, let ks = keySalt, ks.count == suite.keySaltLength, attribute != .k else { return nil }
        return MasterKey(
            key: Array(ks.prefix(suite.keyLength)), salt: Array(ks.suffix(suite.saltLength)), mki: mki?.bytes ?? [],
            lifetime: lifetimePackets)
    }

    /// MS-RTPME (`k=`, MS-SDP §3.1.5.5): the passphrase bytes in base64, the form `RTPMEKey` hashes; nil
    /// when the line gives nothing to try: `k=prompt`, `k=uri:` (a place, not a key), a `base64:` text
    /// that is not base64, an empty passphrase.
    public var rtpmePassphraseBase64: String? {
        guard attribute == .k, let t = keyText else { return nil }
        if t.hasPrefix("base64:") {
            let text = String(t.dropFirst(7))
            guard let bytes = RTPMEKey.passphraseUTF8(base64: text), !bytes.isEmpty else { return nil }
            return text
        }
        if t.hasPrefix("clear:"), t.count > 6 { return SDESBase64.encode(Array(t.dropFirst(6).utf8)) }
        return nil
    }

    /// Whether the decrypt stage can try this key: an SRTP master key that fits its suite, or an MS-RTPME
    /// passphrase. The keys report's `usable`.
    public var isUsable: Bool { attribute == .k ? rtpmePassphraseBase64 != nil : masterKey != nil }

    /// The session parameters this entry's params switch (RFC 4568 §6.3).
    public var sessionParameters: SessionParameters {
        var p = SessionParameters()
        for s in params {
            switch s {
            case "UNENCRYPTED_SRTP": p.encryptRTP = false
            case "UNENCRYPTED_SRTCP": p.encryptRTCP = false
            case "UNAUTHENTICATED_SRTP": p.authenticateRTP = false
            default: break
            }
        }
        return p
    }

    /// KDR=n means a key derivation rate of 2^n (RFC 4568 §6.3.1); 0 when absent.
    public var keyDerivationRate: UInt64 {
        for s in params where s.hasPrefix("KDR=") {
            if let n = Int(s.dropFirst(4)), (0...24).contains(n) { return UInt64(1) << UInt64(n) }
        }
        return 0
    }

    /// `ip:port` of the sender as printed (`[v6]:port`), or the advertised text.
    public var senderLabel: String? { sender?.description ?? senderText }
}
