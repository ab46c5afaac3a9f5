import Analysis
import Capture
import Datagrams

/// A TCP segment as the RTP-over-TCP followers (`TCPMediaFollower`, `TCPMediaDissectFollower`) read it:
/// its direction, its header, the sequence number of its first data byte and its payload.
struct TCPMediaSegment {
    var flow: TCPFlowKey
    var tcp: TCPHeader
    var seq: UInt32
    var bytes: ArraySlice<UInt8>

    /// Nil for a frame that is not a TCP segment carried whole in its frame (a segment rebuilt from IP
    /// fragments is not followed).
    init?(_ frame: Frame, _ decoded: DecodedFrame) {
        guard let tcp = decoded.tcp, let addresses = decoded.addresses, decoded.payloadSource == .frame,
            let range = decoded.payloadRange, range.lowerBound >= 0, range.upperBound <= frame.data.count
        else { return nil }
        self.tcp = tcp
        flow = TCPFlowKey(
            source: Endpoint(addresses.source, tcp.sourcePort),
            destination: Endpoint(addresses.destination, tcp.destinationPort))
        bytes = frame.data[range]
        // The SYN occupies one sequence number before the data (RFC 9293 §3.4).
        seq = tcp.flags.contains(.syn) ? tcp.sequenceNumber &+ 1 : tcp.sequenceNumber
    }

    var isSYN: Bool { tcp.flags.contains(.syn) }
    /// Whether the RTP header heuristic may be used (RFC 5761 §4): both ports unprivileged.
    var heuristics: Bool { tcp.sourcePort >= 1024 && tcp.destinationPort >= 1024 }
}

/// Where RFC 4571 framing of a TCP direction begins, the one rule of both followers: a segment made of
/// whole media packets, or the direction's first data after a SYN that was seen, since the stream's first
/// byte starts a frame (RFC 4571 §2), where a frame that begins with an RTP/RTCP header is enough even if
/// the segment ends inside it (`RFC4571Framer.establishes`). Remembers the SYNs (bounded by
/// `maxDirections`) and refuses directions past `maxDirections`, saying so once.
struct RFC4571TakeUp {
    let maxDirections: Int
    /// "decrypt" or "dissect": the diagnostic code's stage, and what later directions still get.
    let stage: String
    let fallback: String
    /// Directions whose SYN was seen and whose first data has not come yet: the sequence number of their
    /// first byte.
    private var synchronised: [TCPFlowKey: UInt32] = [:]
    private var limitReported = false

    init(maxDirections: Int, stage: String, fallback: String) {
        self.maxDirections = maxDirections
        self.stage = stage
        self.fallback = fallback
    }

    /// Whether `segment`, of a direction not followed while `followed` others are, sets framing up on it.
    /// A SYN without data is remembered; a refusal for the direction limit adds a diagnostic, once.
    mutating func admits(
        _ segment: TCPMediaSegment, followed: Int, frame: Int, diagnostics: inout [Diagnostic]
    ) -> Bool {
        if segment.bytes.isEmpty {
            if segment.isSYN, synchronised.count < maxDirections { synchronised[segment.flow] = segment.seq }
            return false
        }
        guard !segment.tcp.truncated else { return false }
        let first = synchronised.removeValue(forKey: segment.flow) == segment.seq
        guard RFC4571Framer.establishes(segment.bytes, atStreamStart: first, heuristics: segment.heuristics)
        else { return false }
        guard followed < maxDirections else {
            if !limitReported {
                limitReported = true
                diagnostics.append(
                    Diagnostic(
                        .warning, code: "\(stage).tcp-media-directions", frame: frame, field: "tcp.stream",
                        "\(maxDirections) TCP directions with RFC 4571 media followed: \(segment.flow) and later ones are \(fallback) only where a segment is exactly one packet"
                    ))
            }
            return false
        }
        return true
    }
}
