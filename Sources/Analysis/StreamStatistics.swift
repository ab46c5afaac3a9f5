/// Per-stream RTP statistics as Wireshark's `-z rtp,streams` reports them: packets, lost, sequence
/// errors, maximum inter-arrival delta, and interarrival jitter per RFC 3550 §6.4.1 / Appendix A.8.
///
/// Fed with each packet's sequence number, RTP timestamp and arrival time in capture order;
/// constant-size state, no allocation.
public struct StreamStatistics: Sendable, Hashable {
    public private(set) var packets = 0
    /// Extended sequence numbers of the first and highest packets (RFC 3550 A.1 cycles).
    public private(set) var firstSequence: Int64?
    public private(set) var highestSequence: Int64 = 0
    /// Packets that did not come next in sequence (a gap, a reorder or a duplicate).
    public private(set) var sequenceErrors = 0
    public private(set) var maxDeltaSeconds = 0.0
    /// The maximum delta's frame.
    public private(set) var maxDeltaFrame: Int?
    /// RFC 3550 A.8 J, in seconds (the estimator is kept in timestamp units and scaled on read).
    private var jitterUnits = 0.0
    public private(set) var maxJitterUnits = 0.0
    /// Wireshark's running mean of J (seconds), see `meanJitterSeconds`.
    private var meanJitter = 0.0
    private var previousWasComfortNoise = false
    private var clockRate = 8000
    private var lastArrival: Double?
    private var lastTransit: Double?
    private var previousSequence: Int64?

    public init() {}

    /// Expected minus received (RFC 3550 A.3); negative with duplicates.
    public var lost: Int {
        guard let first = firstSequence else { return 0 }
        return Int(highestSequence - first + 1) - packets
    }

    public var jitterSeconds: Double { clockRate > 0 ? jitterUnits / Double(clockRate) : 0 }
    public var maxJitterSeconds: Double { clockRate > 0 ? maxJitterUnits / Double(clockRate) : 0 }
    /// The mean jitter as tshark's `-z rtp,streams` gives it (Wireshark's `tap-rtp-analysis.c`): a
    /// running mean updated, on each packet that counts towards the maxima, as
    /// m ← (m·(n−1) + J) / n, where n is the number of packets before this one — all of them, including
    /// those that do not count (the first, markers, comfort noise and the packet after it). It is thus
    /// not the plain average of J over the counted packets: each skipped packet lowers the weight of what
    /// came before. (Wireshark before the 4.0.x releases that show "Min Jitter" averaged the
    /// instantaneous |D| instead of J.)
    public var meanJitterSeconds: Double { meanJitter }

    /// Adds one packet. As Wireshark's RTP analysis does, the maxima (delta, jitter) and the mean jitter
    /// leave out the first packet, packets with the marker bit (a talkspurt starts: the gap is silence,
    /// not delay), comfort noise (PT 13, RFC 3389) and the packet after it.
    public mutating func add(
        sequence seq: UInt16, timestamp: UInt32, arrival: Double, clockRate rate: Int, frame: Int,
        marker: Bool = false, payloadType: UInt8 = 0
    ) {
        let comfortNoise = payloadType == 13
        let counts = packets > 0 && !marker && !comfortNoise && !previousWasComfortNoise
        previousWasComfortNoise = comfortNoise
        let before = packets
        packets += 1
        clockRate = rate
        // Extend the 16-bit number towards the highest seen (RFC 3550 A.1).
        let ext: Int64
        if let prev = previousSequence {
            let base = prev & ~0xFFFF
            var cand = base | Int64(seq)
            if cand - prev > 32768 { cand -= 65536 } else if prev - cand > 32768 { cand += 65536 }
            ext = cand
            if ext != prev + 1 { sequenceErrors += 1 }
        } else {
            ext = Int64(seq)
            firstSequence = ext
        }
        if ext > highestSequence || previousSequence == nil { highestSequence = ext }
        if let f = firstSequence, ext < f { firstSequence = ext }
        previousSequence = ext

        if let last = lastArrival {
            let delta = arrival - last
            if counts, delta > maxDeltaSeconds {
                maxDeltaSeconds = delta
                maxDeltaFrame = frame
            }
        }
        lastArrival = arrival
        // A.8: transit = arrival (in timestamp units) − RTP timestamp; J += (|D| − J) / 16.
        let transit = arrival * Double(rate) - Double(timestamp)
        if let lt = lastTransit {
            var d = transit - lt
            // Timestamps wrap at 2^32.
            if d > 2_147_483_648 { d -= 4_294_967_296 } else if d < -2_147_483_648 { d += 4_294_967_296 }
            jitterUnits += (abs(d) - jitterUnits) / 16
            if counts, before > 0 {
                maxJitterUnits = max(maxJitterUnits, jitterUnits)
                meanJitter = (meanJitter * Double(before - 1) + jitterUnits / Double(rate)) / Double(before)
            }
        }
        lastTransit = transit
    }
}
