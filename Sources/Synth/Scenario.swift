import Capture

/// A call to synthesize, as a JSON file describes it (Docs/synth.md has the full reference and
/// examples). Every field but the two parties' addresses has a default, so a small file says only
/// what differs from a plain call.
public struct Scenario: Codable, Sendable, Equatable {
    /// Free text, copied into the expected results.
    public var name: String?
    /// Seed of the pseudo-random generator (keys, SSRCs, tags, payloads); `--seed` overrides it.
    public var seed: UInt64?
    /// Capture time of the first frame, seconds since the Unix epoch (default 1700000000).
    public var startTime: Int64?
    /// "pcap" (default) or "pcapng".
    public var format: String?
    /// Link layer of every frame (default ethernet).
    public var framing: LinkFraming?
    /// pcapng only: signalling on interface 0 ("sip0"), media on interface 1 ("rtp0", Linux SLL2).
    public var separateMediaInterface: Bool?

    public var caller: Party
    public var callee: Party

    /// "udp" (default) or "tcp" (one connection from the caller, with its handshake; messages split
    /// across segments of at most `tcpSegmentSize` bytes).
    public var sipTransport: String?
    public var tcpSegmentSize: Int?
    /// Send the INVITE as IPv4 fragments of at most this many bytes (IPv4 only).
    public var fragmentMTU: Int?
    /// Pad the INVITE with this many bytes of extra SDP attribute lines (to force fragments).
    public var invitePadding: Int?

    /// 180 (default) or 183; 183 carries the answer SDP and, with `earlyMedia`, the callee sends media before the 200.
    public var provisional: Int?
    public var earlyMedia: Bool?
    /// Seconds from the INVITE to the 200 OK (default 1.5).
    public var ringSeconds: Double?

    /// "pcmu" (default), "pcma" or "opus".
    public var codec: String?
    /// Seconds of two-way media after the 200 OK (default 3).
    public var durationSeconds: Double?
    /// RTCP multiplexed on the RTP port (RFC 5761); otherwise on port+1 with `a=rtcp`.
    public var rtcpMux: Bool?
    /// Seconds between RTCP compounds from each side (default 2.5).
    public var rtcpIntervalSeconds: Double?
    /// Each party ends its RTCP with an SR + SDES + BYE compound (RFC 3550 §6.6): the caller just
    /// before its SIP BYE, the callee just after the BYE's 200 OK.
    public var rtcpBye: Bool?
    /// Every n-th SR compound also carries an XR (RFC 3611): Receiver Reference Time (§4.4) and VoIP
    /// Metrics (§4.7) on the peer's stream.
    public var rtcpXREvery: Int?
    /// Every n-th SR compound also carries an APP packet (RFC 3550 §6.7, name "SYNT", subtype 1).
    public var rtcpAppEvery: Int?
    /// The capture starts this many seconds after the INVITE: every earlier frame (signalling
    /// included) is left out, as when tcpdump was started mid-call.
    public var captureStartSeconds: Double?

    /// A re-INVITE from the caller at this time (seconds after the INVITE) offers new keys for every
    /// line; the callee's 200 OK answers with a new key; both send under the new keys from that 200 OK.
    public var rekeyAtSeconds: Double?
    /// The caller's media goes through a TURN relay (RFC 8656) as ChannelData; see `TURNRelay`.
    public var turn: TURNRelay?
    /// Forking (RFC 3261 §16.7): a second device answers the INVITE with its own 183 (another To-tag,
    /// SDP and key) and early media, until the main callee's 200 OK. Needs `provisional` 183.
    public var fork: Party?

    public init(caller: Party, callee: Party) {
        self.caller = caller
        self.callee = callee
    }

    /// The caller's relay: its SDP announces `relayed`; its media (and the callee's, back) travel
    /// between its media port and `server` inside ChannelData messages (RFC 8656 §12.4) on `channel`
    /// (RTCP on port+1 and `channel`+1 unless rtcp-mux), after the Allocate, CreatePermission and
    /// ChannelBind exchange (`TURNExchange`), and in Send/Data indications until the channel is bound.
    public struct TURNRelay: Codable, Sendable, Equatable {
        public var server: String
        public var relayed: String
        public var channel: UInt16?
        /// Long-term credentials of the Allocate exchange (RFC 8489 §9.2): username (default the
        /// caller's user), realm (default the caller's domain), password (default "synth").
        public var username: String?
        public var realm: String?
        public var password: String?
    }

    /// One side of the call. The caller's `crypto` lines are the offer; the callee answers with its
    /// own first line, whose tag names the offer line it accepts (RFC 4568 §7.1).
    public struct Party: Codable, Sendable, Equatable {
        public var user: String?
        public var domain: String?
        public var address: String
        public var sipPort: UInt16?
        public var mediaPort: UInt16?
        public var userAgent: String?
        /// `a=crypto` lines this party puts in its SDP, in order; the first is the one it uses
        /// (callee) or the one the answer selects by tag (caller).
        public var crypto: [CryptoLine]?
        /// The media this party sends.
        public var media: MediaOptions?
        /// MS-RTPME legacy encryption instead of SDES (both parties or neither): `k=base64:` and
        /// `a=encryption:required` in its SDP, its media DES-CBC encrypted whole (MS-RTPME).
        public var rtpme: RTPMEOptions?
        /// Media leaves through a NAT: this "ip:port" is the source on the wire instead of the SDP's.
        public var natAddress: String?

        public init(address: String) { self.address = address }
    }

    public struct RTPMEOptions: Codable, Sendable, Equatable {
        /// The `k=base64:` text (random 16 ASCII characters as UTF-16LE when absent).
        public var passphrase: String?
        /// Which 56-bit reading of the MD5 digest keys DES: "firstEightBytes" (default) or "sevenBytesWithParity".
        public var reading: String?
    }

    public struct CryptoLine: Codable, Sendable, Equatable {
        public var tag: Int?
        public var suite: CryptoSuite?
        public var keys: [KeySpec]?
        /// Session parameters appended verbatim (RFC 4568 §6.3), e.g. "UNENCRYPTED_SRTCP", "WSH=128".
        public var sessionParameters: [String]?
        /// Written as `a=cryptoscale:<tag> client …` (MS-SDPEXT 3.1.5.2). When the callee answers with
        /// such a line, its media is MS-SSRTP (AES_CM_128_HMAC_SHA1_80, 1-byte MKI); the caller keeps
        /// sending SRTP.
        public var scale: Bool?

        public init(tag: Int? = nil, suite: CryptoSuite? = nil, keys: [KeySpec]? = nil) {
            self.tag = tag
            self.suite = suite
            self.keys = keys
        }
    }

    /// One `inline:` key of a key parameter list (RFC 4568 §6.1): key ‖ salt (base64, random when
    /// absent), an optional lifetime ("2^31") and an optional MKI value with its length in bytes.
    public struct KeySpec: Codable, Sendable, Equatable {
        public var key: String?
        public var lifetime: String?
        public var mki: UInt32?
        public var mkiLength: Int?

        public init(key: String? = nil, lifetime: String? = nil, mki: UInt32? = nil, mkiLength: Int? = nil) {
            self.key = key
            self.lifetime = lifetime
            self.mki = mki
            self.mkiLength = mkiLength
        }
    }

    /// The RTP stream a party sends and what happens to it on the way to the capture. Packet numbers
    /// count the party's RTP packets from 0, in sending order.
    public struct MediaOptions: Codable, Sendable, Equatable {
        public var ssrc: UInt32?
        /// First sequence number (random below 0x8000 when absent; near 65535 to see the ROC roll).
        public var initialSequence: UInt16?
        /// Rollover counter of the first packet (a call that was already long when captured).
        public var initialROC: UInt32?
        /// From this packet on, a new SSRC (random, new sequence numbers, ROC 0).
        public var ssrcChangeAt: Int?
        /// From this packet on, the sender uses the key at index 1 of its line (with its MKI).
        public var mkiSwitchAt: Int?
        /// These packets are never captured.
        public var lose: [Int]?
        /// Each of these packets is captured twice (the copy is a replay).
        public var duplicate: [Int]?
        /// Each of these packets is captured after the one that follows it.
        public var reorder: [Int]?
        /// One bit of each of these packets is flipped after protection (authentication fails).
        public var corrupt: [Int]?
        /// The first N packets (and the RTCP sent meanwhile) are not captured.
        public var dropFirst: Int?
        /// Random loss probability (0…1), drawn from the seeded generator.
        public var lossRate: Double?

        public init() {}
    }

    // Defaults, in one place.
    var resolvedFormat: CaptureFormat { format == "pcapng" ? .pcapng : .pcap }
    var resolvedFraming: LinkFraming { framing ?? .ethernet }
    var resolvedStart: Int64 { startTime ?? 1_700_000_000 }
    var resolvedCodec: String { codec ?? "pcmu" }
    var resolvedDuration: Double { durationSeconds ?? 3 }
    var resolvedRTCPMux: Bool { rtcpMux ?? false }
    var resolvedRTCPInterval: Double { rtcpIntervalSeconds ?? 2.5 }
    var resolvedProvisional: Int { provisional ?? 180 }
    var resolvedRing: Double { ringSeconds ?? 1.5 }
    var usesTCP: Bool { sipTransport?.lowercased() == "tcp" }
}
