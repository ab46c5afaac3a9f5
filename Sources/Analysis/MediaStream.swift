import Transforms

/// One row of the report: the packets of one SSRC, in one direction of one flow, RTP or RTCP, under one
/// key (a rekey with the same SSRC starts a new row, as the SDP that brought the new key starts a new
/// crypto context, RFC 4568 §7.1.4).
///
/// Its counters, statistics and state change on every packet. They are stored without runtime exclusivity
/// checks (a `swift_beginAccess`/`endAccess` pair per access was ~5 % of a packet of `decrypt` in the
/// profile of Docs/PERFORMANCE.md): a stream is written only by the `DecryptEngine` that made it, one
/// statement at a time on the thread that owns the engine (neither is Sendable), and read by the report
/// after the pass, so no two accesses overlap whatever the input.
public final class MediaStream {
    public let flow: MediaFlowKey
    public let ssrc: UInt32
    public let kind: MediaPacketKind
    /// "srtp", "srtcp", "ssrtp", "rtpme", or "rtp"/"rtcp" without a key.
    @exclusivity(unchecked) public internal(set) var protocolName: String
    @exclusivity(unchecked) public internal(set) var suite: String?
    /// The key that authenticated the stream, nil when none did.
    @exclusivity(unchecked) public internal(set) var key: TrialKey?
    /// How the key was bound: "signalled", "trial" (the first of several candidates that authenticated).
    @exclusivity(unchecked) public internal(set) var binding: String?
    @exclusivity(unchecked) public internal(set) var packets = 0
    @exclusivity(unchecked) public internal(set) var authenticated = 0
    @exclusivity(unchecked) public internal(set) var authFailed = 0
    @exclusivity(unchecked) public internal(set) var replayed = 0
    @exclusivity(unchecked) public internal(set) var firstROC: UInt32?
    @exclusivity(unchecked) public internal(set) var lastROC: UInt32?
    /// Set when the ROC was found by tag search (the capture began mid-call).
    @exclusivity(unchecked) public internal(set) var recoveredROC: ROCSearch.Result?
    @exclusivity(unchecked) public internal(set) var firstFrame: Int
    @exclusivity(unchecked) public internal(set) var lastFrame: Int
    @exclusivity(unchecked) public internal(set) var statistics = StreamStatistics()
    /// The payload types seen (first few), for the codec column.
    @exclusivity(unchecked) public internal(set) var payloadTypes: [UInt8] = []
    /// Why tags failed, filled in by the diagnosis.
    @exclusivity(unchecked) public internal(set) var diagnosis: [TagFailureDiagnosis.Finding] = []

    /// Header agreement before the stream counts (a stray datagram that looks like RTP is not a stream).
    @exclusivity(unchecked) var agreeing = 0
    @exclusivity(unchecked) var lastSequence: UInt16?
    @exclusivity(unchecked) var signalled = false
    /// Failed packets kept for the diagnosis (copies; at most `TagFailureDiagnosis.sampleLimit`).
    @exclusivity(unchecked) var failedSamples: [(frame: Int, bytes: [UInt8])] = []
    /// The first packets while no key has authenticated (for the ROC search).
    @exclusivity(unchecked) var unboundSamples: [[UInt8]] = []
    @exclusivity(unchecked) var rocSearched = false
    @exclusivity(unchecked) var crypto: StreamCrypto?
    /// Index in `DecryptEngine.streams` (what `DecryptEngine.PacketResult` carries); -1 until listed.
    @exclusivity(unchecked) var row = -1

    init(flow: MediaFlowKey, ssrc: UInt32, kind: MediaPacketKind, frame: Int) {
        self.flow = flow
        self.ssrc = ssrc
        self.kind = kind
        protocolName = kind.rawValue
        firstFrame = frame
        lastFrame = frame
    }

    /// True when the stream is worth reporting: a key authenticated some of it, signalling named its flow,
    /// or three of its first packets agreed (one SSRC, advancing sequence numbers, plausible payload type).
    public var isConfirmed: Bool {
        authenticated + replayed > 0 || signalled || agreeing >= 3 || authFailed > 0 && key != nil
    }

    /// A stream whose failures were no failures (its flow was negotiated in clear): its packets are
    /// counted as clear RTP/RTCP, with no suite, ROC search result or failure samples.
    func takeAsClear() {
        authFailed = 0
        suite = nil
        protocolName = kind.rawValue
        recoveredROC = nil
        failedSamples = []
        unboundSamples = []
        signalled = true  // its flow was signalled (in clear): reported as such
    }

    /// Every keyed packet authenticated (or was replayed).
    public var allAuthenticated: Bool { authFailed == 0 }

    func noteHeader(sequence: UInt16) {
        if packets <= 5 {
            if let last = lastSequence, sequence &- last >= 1, sequence &- last <= 16 { agreeing += 1 }
            if lastSequence == nil { agreeing += 1 }
        }
        lastSequence = sequence
    }
}
