import Analysis
import Datagrams
import Signalling
import Transforms

/// Every limit that bounds memory or effort on hostile input, by the name `--limit NAME=VALUE` gives it
/// (issue 7; Docs/robustness.md lists them with their defaults). Each lands in the Options struct of the
/// stage it bounds: `FragmentLimits` and `TCPStreamLimits` (the frame decoder), `SignallingLimits`
/// (every SIP and SDP parser, process-wide), and the decrypt engine's stream and ROC-search bounds.
public struct ResourceLimits: Sendable {
    public var fragments = FragmentLimits()
    public var tcp = TCPStreamLimits()
    public var tcpMedia = TCPMediaLimits()
    public var signalling = SignallingLimits.Values()
    public var streams = 10_000
    public var rocSearchSeconds = 2.0
    public var rocSearchTotalSeconds = 60.0
    public var rocSearchROCs: UInt64 = 1 << 32
    public var rocSearchAEAD: UInt32 = 64
    public var rocSearchKDR: UInt32 = 256
    public var replayWindow = ReplayWindow.defaultSize
    public var holdFrames = 4_096
    public var holdBytes = 8 << 20
    public var diagnostics = 10_000

    public init() {}

    public enum Unit: String, Sendable { case count, bytes, seconds }

    /// One settable limit: its name, unit, what it bounds, and how it is read and set.
    public struct Entry: Sendable {
        public var name: String
        public var unit: Unit
        public var summary: String
        /// The values it takes when not every positive one (checked by `set(_:)`).
        public var range: ClosedRange<Double>? = nil
        let get: @Sendable (ResourceLimits) -> Double
        let set: @Sendable (inout ResourceLimits, Double) -> Void
    }

    public struct LimitError: Error, CustomStringConvertible {
        public var description: String
    }

    private static func int(_ v: Double) -> Int { Int(exactly: v.rounded(.down)) ?? Int.max }
    private static func u32(_ v: Double) -> UInt32 { v >= Double(UInt32.max) ? .max : UInt32(v) }

    /// The limits in the order `--limit help` lists them.
    public static let all: [Entry] = [
        Entry(name: "ip-fragments", unit: .count, summary: "IP fragments held, across all datagrams being rebuilt",
              get: { Double($0.fragments.maxFragmentsHeld) }, set: { $0.fragments.maxFragmentsHeld = int($1) }),
        Entry(name: "ip-fragment-bytes", unit: .bytes, summary: "bytes of IP fragments held",
              get: { Double($0.fragments.maxBytesHeld) }, set: { $0.fragments.maxBytesHeld = int($1) }),
        Entry(name: "ip-fragment-datagrams", unit: .count, summary: "datagrams being rebuilt at once",
              get: { Double($0.fragments.maxDatagramsInProgress) }, set: { $0.fragments.maxDatagramsInProgress = int($1) }),
        Entry(name: "ip-fragment-age", unit: .seconds, summary: "capture time a datagram waits for its missing fragments",
              get: { Double($0.fragments.maxAgeNanoseconds) / 1e9 },
              set: { $0.fragments.maxAgeNanoseconds = Int64(exactly: ($1 * 1e9).rounded()) ?? Int64.max }),
        Entry(name: "tcp-bytes-per-direction", unit: .bytes, summary: "out-of-order TCP bytes buffered per direction before the hole is skipped",
              get: { Double($0.tcp.maxBufferedPerDirection) }, set: { $0.tcp.maxBufferedPerDirection = int($1) }),
        Entry(name: "tcp-segments-per-direction", unit: .count, summary: "out-of-order TCP segments buffered per direction",
              get: { Double($0.tcp.maxSegmentsPerDirection) }, set: { $0.tcp.maxSegmentsPerDirection = int($1) }),
        Entry(name: "tcp-bytes", unit: .bytes, summary: "out-of-order TCP bytes buffered in all",
              get: { Double($0.tcp.maxBufferedTotal) }, set: { $0.tcp.maxBufferedTotal = int($1) }),
        Entry(name: "tcp-flows", unit: .count, summary: "TCP directions tracked (the least recently used is forgotten)",
              get: { Double($0.tcp.maxFlows) }, set: { $0.tcp.maxFlows = int($1) }),
        Entry(name: "tcp-media-bytes-per-direction", unit: .bytes, summary: "RTP/RTCP-over-TCP bytes buffered per direction (split packets, packets and plaintexts waiting to be written)",
              get: { Double($0.tcpMedia.maxBytesPerDirection) }, set: { $0.tcpMedia.maxBytesPerDirection = int($1) }),
        Entry(name: "tcp-media-bytes", unit: .bytes, summary: "RTP/RTCP-over-TCP bytes buffered in all",
              get: { Double($0.tcpMedia.maxBytesTotal) }, set: { $0.tcpMedia.maxBytesTotal = int($1) }),
        Entry(name: "sip-message-size", unit: .bytes, summary: "largest SIP message read (start line, headers, body)",
              get: { Double($0.signalling.maxMessageSize) }, set: { $0.signalling.maxMessageSize = int($1) }),
        Entry(name: "sip-header-section", unit: .bytes, summary: "largest SIP header section a TCP framer waits for",
              get: { Double($0.signalling.maxHeaderSectionSize) }, set: { $0.signalling.maxHeaderSectionSize = int($1) }),
        Entry(name: "sip-headers", unit: .count, summary: "SIP header fields kept per message",
              get: { Double($0.signalling.maxHeaderCount) }, set: { $0.signalling.maxHeaderCount = int($1) }),
        Entry(name: "sdp-lines", unit: .count, summary: "SDP lines read per body",
              get: { Double($0.signalling.maxSDPLines) }, set: { $0.signalling.maxSDPLines = int($1) }),
        Entry(name: "sdp-media", unit: .count, summary: "SDP m= sections kept per body",
              get: { Double($0.signalling.maxMediaDescriptions) }, set: { $0.signalling.maxMediaDescriptions = int($1) }),
        Entry(name: "dialogs", unit: .count, summary: "SIP calls (Call-IDs) followed at once; past it the idlest eighth is evicted",
              get: { Double($0.signalling.maxCalls) }, set: { $0.signalling.maxCalls = int($1) }),
        Entry(name: "streams", unit: .count, summary: "media streams tracked at once; past it the idlest eighth is evicted",
              get: { Double($0.streams) }, set: { $0.streams = int($1) }),
        Entry(name: "roc-search-seconds", unit: .seconds, summary: "time the ROC search may take per stream",
              get: { $0.rocSearchSeconds }, set: { $0.rocSearchSeconds = $1 }),
        Entry(name: "roc-search-total-seconds", unit: .seconds, summary: "time every stream's ROC search may take in all",
              get: { $0.rocSearchTotalSeconds }, set: { $0.rocSearchTotalSeconds = $1 }),
        Entry(name: "roc-search-rocs", unit: .count, summary: "ROC values the search tries per stream (at most 2^32)",
              get: { Double($0.rocSearchROCs) }, set: { $0.rocSearchROCs = min(UInt64($1), 1 << 32) }),
        Entry(name: "roc-search-aead", unit: .count, summary: "ROCs tried by full AEAD opens per stream (GCM suites)",
              get: { Double($0.rocSearchAEAD) }, set: { $0.rocSearchAEAD = u32($1) }),
        Entry(name: "roc-search-kdr", unit: .count, summary: "ROCs tried with key re-derivation per stream (KDR suites)",
              get: { Double($0.rocSearchKDR) }, set: { $0.rocSearchKDR = u32($1) }),
        Entry(name: "replay-window", unit: .count, summary: "packets each stream's replay list spans (older ones are reported replayed)",
              range: Double(ReplayWindow.sizes.lowerBound)...Double(ReplayWindow.sizes.upperBound),
              get: { Double($0.replayWindow) }, set: { $0.replayWindow = int($1) }),
        Entry(name: "hold-frames", unit: .count, summary: "frames decrypt holds back while a packet waits for its key (look-behind)",
              get: { Double($0.holdFrames) }, set: { $0.holdFrames = int($1) }),
        Entry(name: "hold-bytes", unit: .bytes, summary: "captured bytes of the frames held back",
              get: { Double($0.holdBytes) }, set: { $0.holdBytes = int($1) }),
        Entry(name: "diagnostics", unit: .count, summary: "frame diagnostics kept by calls/keys/decrypt (dissect prints each as it goes)",
              get: { Double($0.diagnostics) }, set: { $0.diagnostics = int($1) }),
    ]

    /// Applies one `NAME=VALUE`. Sizes take K, M or G (binary multiples); seconds may be fractional.
    public mutating func set(_ spec: String) throws(LimitError) {
        guard let eq = spec.firstIndex(of: "=") else {
            throw LimitError(description: "--limit \(spec): expected NAME=VALUE (see --limit help)")
        }
        let name = String(spec[..<eq]).lowercased()
        guard let entry = Self.all.first(where: { $0.name == name }) else {
            throw LimitError(description: "--limit \(spec): no limit named \"\(name)\" (see --limit help)")
        }
        var text = String(spec[spec.index(after: eq)...])
        var scale = 1.0
        if entry.unit == .bytes, let last = text.last {
            switch last {
            case "K", "k": scale = 1024
            case "M", "m": scale = 1024 * 1024
            case "G", "g": scale = 1024 * 1024 * 1024
            default: break
            }
            if scale > 1 { text.removeLast() }
        }
        // `--limit help` shows seconds as "2 s": "2s" and "2 s" read back.
        if entry.unit == .seconds, text.hasSuffix("s") {
            text.removeLast()
            while text.last == " " { text.removeLast() }
        }
        guard let number = Double(text), number.isFinite, number > 0,
            entry.unit == .seconds || number == number.rounded()
        else {
            throw LimitError(
                description: "--limit \(spec): \(entry.name) takes a positive "
                    + (entry.unit == .seconds ? "number of seconds" : "whole number" + (entry.unit == .bytes ? " (K, M, G allowed)" : "")))
        }
        let value = number * scale
        guard value <= 9.0e15 else { throw LimitError(description: "--limit \(spec): too large") }
        if let range = entry.range, !range.contains(value) {
            throw LimitError(
                description: "--limit \(spec): \(entry.name) takes \(Int(range.lowerBound)) to \(Int(range.upperBound))")
        }
        entry.set(&self, value)
    }

    /// The table `--limit help` prints: name, default, what it bounds.
    public static func helpText() -> String {
        let defaults = ResourceLimits()
        var out = "Resource limits (--limit NAME=VALUE, repeatable; Docs/robustness.md):\n"
        let width = all.map(\.name.count).max() ?? 0
        for e in all {
            let v = e.get(defaults)
            let shown: String
            switch e.unit {
            case .bytes: shown = bytes(v)
            case .seconds: shown = v == v.rounded() ? "\(Int(v)) s" : "\(v) s"
            case .count: shown = v >= 1e15 ? "\(UInt64(v))" : "\(Int(v))"
            }
            out += "  " + pad(e.name, width + 2) + pad(shown, 12) + e.summary + "\n"
        }
        return out
    }

    private static func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(1, n - s.count)) }

    private static func bytes(_ v: Double) -> String {
        let n = Int(v)
        if n % (1 << 20) == 0 { return "\(n >> 20)M" }
        if n % (1 << 10) == 0 { return "\(n >> 10)K" }
        return "\(n)"
    }

    /// Installs the process-wide SIP/SDP limits; call before any parsing.
    public func installSignallingLimits() { SignallingLimits.configured = signalling }

    /// Dissect's limits; those of the media analysis (ROC search, streams) apply when it is on, so set
    /// `o.media` first.
    public func apply(to o: inout DissectPipeline.Options) {
        o.decoder.fragmentLimits = fragments
        o.decoder.tcpLimits = tcp
        o.tcpMedia = tcpMedia
        o.media?.rocSearch.timeBudget = rocSearchSeconds
        o.media?.rocSearch.runBudget = rocSearchTotalSeconds
        o.media?.rocSearch.limit = rocSearchROCs
        o.media?.rocSearch.aeadLimit = rocSearchAEAD
        o.media?.rocSearch.kdrLimit = rocSearchKDR
        o.media?.maxStreams = streams
        o.media?.replayWindow = replayWindow
    }

    public func apply(to o: inout SignallingPipeline.Options) {
        o.decoder.fragmentLimits = fragments
        o.decoder.tcpLimits = tcp
        o.maxDecodeDiagnostics = diagnostics
    }

    public func apply(to o: inout DecryptPipeline.Options) {
        o.decoder.fragmentLimits = fragments
        o.decoder.tcpLimits = tcp
        o.rocSearchBudget = rocSearchSeconds
        o.rocSearchTotalBudget = rocSearchTotalSeconds
        o.rocSearchLimit = rocSearchROCs
        o.rocSearchAEADLimit = rocSearchAEAD
        o.rocSearchKDRLimit = rocSearchKDR
        o.maxStreams = streams
        o.maxDiagnostics = diagnostics
        o.tcpMedia = tcpMedia
        o.replayWindow = replayWindow
        o.holdFrames = holdFrames
        o.holdBytes = holdBytes
    }
}
