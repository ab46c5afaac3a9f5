import Capture

/// Bounds on what the fragment reassembler holds, so a hostile capture cannot exhaust memory.
public struct FragmentLimits: Hashable, Sendable {
    /// The largest datagram rebuilt: 65,535 bytes, the IPv4 maximum (RFC 791) and the IPv6 maximum
    /// without jumbograms (RFC 8200 §4.5).
    public var maxDatagramSize = 65_535
    /// Fragments held across all datagrams in progress.
    public var maxFragmentsHeld = 4_096
    /// Bytes held across all datagrams in progress.
    public var maxBytesHeld = 8 << 20
    /// Datagrams in progress at once.
    public var maxDatagramsInProgress = 1_024
    /// How long (capture time) a datagram may wait for its missing fragments: 60 s, as the IPv6 reassembly
    /// timeout (RFC 8200 §4.5) and above the IPv4 recommendation (RFC 791 §3.2, 15 s upper bound of ttl).
    public var maxAgeNanoseconds: Int64 = 60_000_000_000

    public init() {}
}

/// What identifies the fragments of one datagram: RFC 791 §2.3 (source, destination, protocol, identification)
/// and RFC 8200 §4.5 (source, destination, identification; protocol is 0 for IPv6).
public struct FragmentKey: Hashable, Sendable {
    public var source: IPAddress
    public var destination: IPAddress
    public var protocolNumber: UInt8
    public var identification: UInt32
}

/// A datagram rebuilt from its fragments: the upper-layer payload (the IP payload for IPv4, the
/// fragmentable part after the fragment header for IPv6), its protocol, and the frames that gave it.
public struct ReassembledDatagram: Hashable, Sendable {
    public var key: FragmentKey
    /// The upper-layer protocol (from the IPv4 header, or the first fragment's fragment header).
    public var protocolNumber: UInt8
    public var bytes: [UInt8]
    /// Frame numbers of the contributing fragments, in arrival order, without repeats.
    public var frames: [Int]
}

/// IPv4 and IPv6 fragment reassembly with bounded memory.
///
/// Each datagram in progress keeps one buffer growing to the furthest byte seen and a sorted list of
/// covered ranges. A fragment overlapping bytes already held is compared with them: identical bytes
/// (a retransmitted or duplicated fragment) are accepted silently; different bytes are reported and the
/// bytes first received are kept. (RFC 5722 would discard the whole datagram; for forensics we keep it and
/// say so.) Datagrams whose fragments do not all arrive within `FragmentLimits.maxAgeNanoseconds` of
/// capture time, or that must be evicted to respect the limits, are dropped with a diagnostic naming
/// their frames.
public struct FragmentReassembler {
    public var limits: FragmentLimits

    struct Pending {
        var buffer: [UInt8] = []
        /// Sorted, non-overlapping, non-adjacent covered ranges of `buffer`.
        var covered: [Range<Int>] = []
        /// The datagram's length, once the last fragment (MF = 0) has been seen.
        var totalLength: Int?
        var protocolNumber: UInt8?
        var frames: [Int] = []
        var fragments = 0
        var firstSeen: Timestamp
        var firstFrame: Int
    }

    var pending: [FragmentKey: Pending] = [:]
    public private(set) var fragmentsHeld = 0
    public private(set) var bytesHeld = 0
    /// The earliest first-seen time among datagrams in progress, to make the expiry sweep rare.
    private var oldest: Timestamp?
    /// Whether any datagram is waiting for fragments (the decoder asks before `expire`, on every frame).
    var holdsFragments: Bool { oldest != nil }

    public init(limits: FragmentLimits = FragmentLimits()) { self.limits = limits }

    /// Datagrams currently waiting for fragments.
    public var inProgress: Int { pending.count }

    /// Adds one fragment: `data` holds the fragment's payload, at byte `offset` of the datagram;
    /// `more` is the More Fragments flag; `protocolNumber` is the upper protocol when known from this
    /// fragment (always for IPv4; for IPv6 only the first fragment's counts, RFC 8200 §4.5).
    ///
    /// Returns the datagram when this fragment completes it. Problems are appended to `diagnostics`.
    public mutating func add(
        key: FragmentKey, offset: Int, more: Bool, protocolNumber: UInt8?, data: ArraySlice<UInt8>,
        frame: Int, time: Timestamp, diagnostics: inout [Diagnostic]
    ) -> ReassembledDatagram? {
        expire(now: time, diagnostics: &diagnostics)
        let end = offset + data.count
        guard end <= limits.maxDatagramSize else {
            diagnostics.append(
                Diagnostic(
                    .error, code: "fragment.too-large", frame: frame, field: "ip.frag_offset",
                    "fragment ends at byte \(end), past the \(limits.maxDatagramSize)-byte datagram limit; datagram dropped"
                ))
            drop(key)
            return nil
        }
        // RFC 791 §3.2 / RFC 8200 §4.5: every fragment but the last carries a multiple of 8 bytes.
        if more && data.count % 8 != 0 {
            diagnostics.append(
                Diagnostic(
                    .warning, code: "fragment.length", frame: frame, field: "ip.frag",
                    "non-final fragment of \(data.count) bytes is not a multiple of 8"))
        }
        var p = pending[key] ?? Pending(firstSeen: time, firstFrame: frame)
        pending[key] = nil  // edit outside the dictionary to keep the buffers uniquely referenced
        if p.fragments == 0 && oldest.map({ time < $0 }) ?? true { oldest = time }

        if !more {
            if let t = p.totalLength, t != end {
                diagnostics.append(
                    Diagnostic(
                        .error, code: "fragment.length-conflict", frame: frame, field: "ip.frag",
                        "last fragment ends at \(end) but an earlier last fragment ended at \(t); earlier kept"))
            } else {
                p.totalLength = end
            }
        }
        if let pn = protocolNumber, offset == 0 || p.protocolNumber == nil { p.protocolNumber = pn }

        // Compare with the bytes already held, and note which parts of the fragment are new.
        var conflict = false
        for r in p.covered where r.overlaps(offset..<end) {
            let lo = max(r.lowerBound, offset)
            let hi = min(r.upperBound, end)
            var k = lo
            while k < hi {
                if p.buffer[k] != data[data.startIndex + (k - offset)] {
                    conflict = true
                    break
                }
                k += 1
            }
            if conflict { break }
        }
        if conflict {
            diagnostics.append(
                Diagnostic(
                    .error, code: "fragment.overlap-conflict", frame: frame, field: "ip.frag",
                    "fragment bytes \(offset)..<\(end) overlap earlier fragments (frames \(p.frames.map(String.init).joined(separator: ", "))) with different data; earlier bytes kept"
                ))
        }
        let before = p.buffer.count
        if end > p.buffer.count { p.buffer.append(contentsOf: repeatElement(0, count: end - p.buffer.count)) }
        // Write only the uncovered parts (the first-received bytes win).
        var cursor = offset
        for r in p.covered where r.overlaps(offset..<end) || r.upperBound == offset || r.lowerBound == end {
            if r.lowerBound > cursor {
                let stop = min(r.lowerBound, end)
                copy(data, from: cursor - offset, to: &p.buffer, at: cursor, count: stop - cursor)
            }
            cursor = max(cursor, r.upperBound)
            if cursor >= end { break }
        }
        if cursor < end { copy(data, from: cursor - offset, to: &p.buffer, at: cursor, count: end - cursor) }
        if end > offset { p.covered = merge(p.covered, offset..<end) }
        p.fragments += 1
        if !p.frames.contains(frame) { p.frames.append(frame) }
        fragmentsHeld += 1
        bytesHeld += p.buffer.count - before

        if let t = p.totalLength, p.covered.count == 1, p.covered[0] == 0..<t, p.buffer.count >= t {
            fragmentsHeld -= p.fragments
            bytesHeld -= p.buffer.count
            if p.buffer.count > t {
                diagnostics.append(
                    Diagnostic(
                        .warning, code: "fragment.past-end", frame: frame, field: "ip.frag",
                        "fragments carry bytes past the datagram's end (\(p.buffer.count) > \(t)); ignored"))
                p.buffer.removeLast(p.buffer.count - t)
            }
            return ReassembledDatagram(
                key: key, protocolNumber: p.protocolNumber ?? key.protocolNumber, bytes: p.buffer, frames: p.frames)
        }
        pending[key] = p
        enforceLimits(keep: key, frame: frame, diagnostics: &diagnostics)
        return nil
    }

    private func copy(_ src: ArraySlice<UInt8>, from: Int, to dst: inout [UInt8], at: Int, count: Int) {
        guard count > 0 else { return }
        let s = src.startIndex + from
        dst.replaceSubrange(at..<(at + count), with: src[s..<(s + count)])
    }

    private func merge(_ ranges: [Range<Int>], _ new: Range<Int>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var n = new
        var placed = false
        for r in ranges {
            if r.upperBound < n.lowerBound {
                out.append(r)
            } else if n.upperBound < r.lowerBound {
                if !placed {
                    out.append(n)
                    placed = true
                }
                out.append(r)
            } else {
                n = min(r.lowerBound, n.lowerBound)..<max(r.upperBound, n.upperBound)
            }
        }
        if !placed { out.append(n) }
        return out
    }

    private mutating func drop(_ key: FragmentKey) {
        guard let p = pending.removeValue(forKey: key) else { return }
        fragmentsHeld -= p.fragments
        bytesHeld -= p.buffer.count
    }

    private func describe(_ p: Pending) -> String {
        var missing: [String] = []
        var cursor = 0
        for r in p.covered {
            if r.lowerBound > cursor { missing.append("\(cursor)..<\(r.lowerBound)") }
            cursor = r.upperBound
        }
        if let t = p.totalLength {
            if cursor < t { missing.append("\(cursor)..<\(t)") }
        } else {
            missing.append("\(cursor)..<(last fragment not seen)")
        }
        return
            "frames \(p.frames.map(String.init).joined(separator: ", ")); missing bytes \(missing.joined(separator: ", "))"
    }

    /// Drops datagrams older than the age limit at capture time `now`, with a diagnostic each.
    public mutating func expire(now: Timestamp, diagnostics: inout [Diagnostic]) {
        guard let o = oldest, Self.nanoseconds(from: o, to: now) > limits.maxAgeNanoseconds else { return }
        var newOldest: Timestamp?
        for (key, p) in pending {
            if Self.nanoseconds(from: p.firstSeen, to: now) > limits.maxAgeNanoseconds {
                diagnostics.append(
                    Diagnostic(
                        .error, code: "fragment.expired", frame: p.firstFrame, field: "ip.frag",
                        "datagram \(key.source) → \(key.destination) id \(key.identification) incomplete after \(limits.maxAgeNanoseconds / 1_000_000_000) s: \(describe(p))"
                    ))
                drop(key)
            } else if newOldest.map({ p.firstSeen < $0 }) ?? true {
                newOldest = p.firstSeen
            }
        }
        oldest = newOldest
    }

    /// Reports and drops every datagram still incomplete (at the end of the capture).
    public mutating func flush(diagnostics: inout [Diagnostic]) {
        for (key, p) in pending.sorted(by: { $0.value.firstFrame < $1.value.firstFrame }) {
            diagnostics.append(
                Diagnostic(
                    .error, code: "fragment.incomplete", frame: p.firstFrame, field: "ip.frag",
                    "datagram \(key.source) → \(key.destination) id \(key.identification) never completed: \(describe(p))"
                ))
            drop(key)
        }
        oldest = nil
    }

    /// Evicts the oldest datagrams (other than `keep` if possible) until the limits hold.
    private mutating func enforceLimits(keep: FragmentKey, frame: Int, diagnostics: inout [Diagnostic]) {
        while fragmentsHeld > limits.maxFragmentsHeld || bytesHeld > limits.maxBytesHeld
            || pending.count > limits.maxDatagramsInProgress
        {
            let victim =
                pending.filter { $0.key != keep }.min { $0.value.firstSeen < $1.value.firstSeen }?.key ?? keep
            guard let p = pending[victim] else { return }
            diagnostics.append(
                Diagnostic(
                    .error, code: "fragment.evicted", frame: frame, field: "ip.frag",
                    "reassembly limits reached (\(fragmentsHeld) fragments, \(bytesHeld) bytes held); dropped datagram id \(victim.identification): \(describe(p))"
                ))
            drop(victim)
            if victim == keep { return }
        }
    }

    static func nanoseconds(from a: Timestamp, to b: Timestamp) -> Int64 {
        (b.seconds &- a.seconds) &* 1_000_000_000 &+ (Int64(b.nanoseconds) &- Int64(a.nanoseconds))
    }
}
