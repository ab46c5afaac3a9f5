import Foundation

/// What a correct decryptor reports for a synthesized capture: the `NAME.expected.json` written
/// beside it (schema in Docs/synth.md).
public struct ExpectedResults: Codable, Sendable, Equatable {
    public var capture: String
    public var scenario: String?
    public var seed: UInt64
    public var frames: Int
    public var streams: [Stream]
    /// One entry per frame of the capture, in order.
    public var mediaFrames: [FrameResult]

    enum CodingKeys: String, CodingKey {
        case capture, scenario, seed, frames, streams
        case mediaFrames = "media_frames"
    }

    public struct Stream: Codable, Sendable, Equatable {
        public var ssrc: String
        /// "srtp" or "srtcp".
        public var `protocol`: String
        public var src: String
        public var dst: String
        public var suite: String
        /// Frames of this stream in the capture (every copy of a duplicate counted).
        public var packets: Int
        public var authenticated: Int
        public var replayed: Int
        /// Frames whose tag does not verify (corrupted on purpose).
        public var failures: Int
        /// ROC of the stream's first and last captured packets (SRTP; 0 for SRTCP).
        public var firstROC: UInt32
        public var lastROC: UInt32
        /// The SDP that keys the stream: frame number and `a=crypto` tag.
        public var keyFrame: Int
        public var cryptoTag: Int
        /// The sender's master keys (key ‖ salt, base64, as in `inline:`), for tests that key a
        /// decryptor by hand (`--key`) when the signalling is missing.
        public var keys: [String]
        /// TURN channel number when the stream travels in ChannelData (RFC 8656 §12.4).
        public var channel: UInt16?
        /// MS-RTPME: the DES key reading that encrypted the stream ("firstEightBytes" or "sevenBytesWithParity").
        public var rtpmeReading: String?
        /// "send" or "data" when the stream travels in TURN Send or Data indications (RFC 8656 §10,
        /// §11), DATA the last attribute; `src`/`dst` are then the client and the TURN server.
        public var indication: String?
        /// The session parameters of the key's `a=crypto` line as written (`UNENCRYPTED_SRTCP`,
        /// `KDR=7`); absent when it has none.
        public var sessionParameters: [String]?

        enum CodingKeys: String, CodingKey {
            case ssrc, `protocol`, src, dst, suite, packets, authenticated, replayed, failures
            case firstROC = "first_roc"
            case lastROC = "last_roc"
            case keyFrame = "key_frame"
            case cryptoTag = "crypto_tag"
            case keys, channel
            case rtpmeReading = "rtpme_reading"
            case indication
            case sessionParameters = "session_parameters"
        }
    }

    public struct FrameResult: Codable, Sendable, Equatable {
        public var frame: Int
        /// "authenticated", "auth_failed", "replayed" or "not_media".
        public var status: String
        /// First 16 bytes of the SHA-256 of the plaintext RTP/RTCP packet, hex; absent for not_media.
        public var digest: String?
        /// "sip", "rtp", "rtcp" or "tcp" (handshake); for media, the stream's SSRC and packet index.
        public var kind: String
        public var ssrc: String?
        public var index: UInt64?
        /// Media frames: position (0-based) of the frame's stream in `streams`.
        public var stream: Int?
    }

    /// Pretty, key-sorted JSON with a final newline: stable bytes for the committed corpus.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}

func ssrcText(_ ssrc: UInt32) -> String {
    let h = String(ssrc, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - h.count)) + h
}
