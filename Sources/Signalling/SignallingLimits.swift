// The Signalling stage of the pipeline (SIP framing and parsing, SDP); see Docs/architecture.md.
//
// Hard limits that keep hostile or broken signalling from costing unbounded memory or time.
// Each limit, when reached, produces a diagnostic and the parser goes on with what it has.

/// Limits applied by every SIP and SDP parser in this module.
///
/// The values are process-wide: the command line sets them once, from `--limit NAME=VALUE`, before the
/// first message is parsed (`configured`); every parser reads them through the static properties.
public enum SignallingLimits {
    public struct Values: Hashable, Sendable {
        /// Largest SIP message (start line, headers and body) accepted, in bytes.
        /// RFC 3261 §18.1.1 expects messages near the path MTU over UDP; over TCP they may be larger,
        /// but even a large multipart INVITE stays well below this. A UDP datagram cannot exceed 65,535.
        public var maxMessageSize = 256 * 1024
        /// Largest header section (start line and headers) a stream framer waits for before it gives up.
        public var maxHeaderSectionSize = 64 * 1024
        /// Most header fields kept from one message; the rest are dropped with a diagnostic.
        public var maxHeaderCount = 256
        /// Most parts read from one multipart body.
        public var maxMultipartParts = 32
        /// Deepest nesting of multipart bodies followed (multipart/mixed holding multipart/alternative, …).
        public var maxMultipartDepth = 4
        /// Most lines read from one SDP body; a longer body is cut with a diagnostic.
        public var maxSDPLines = 2_000
        /// Most media descriptions (`m=` sections) kept from one SDP body.
        public var maxMediaDescriptions = 64
        /// Most key-params kept from one `a=crypto` line (RFC 4568 §9.1 allows one or more).
        public var maxKeyParams = 16
        /// Most diagnostics kept per message; after this one summary diagnostic says how many were dropped.
        public var maxDiagnosticsPerMessage = 100
        /// Most calls (Call-IDs) a `DialogTracker` follows at once; past it the idlest eighth is evicted.
        public var maxCalls = 100_000

        public init() {}
    }

    /// Set once at start-up, before any parsing (the parsers run on one thread; nothing writes this
    /// afterwards).
    nonisolated(unsafe) public static var configured = Values()

    public static var maxMessageSize: Int { configured.maxMessageSize }
    public static var maxHeaderSectionSize: Int { configured.maxHeaderSectionSize }
    public static var maxHeaderCount: Int { configured.maxHeaderCount }
    public static var maxMultipartParts: Int { configured.maxMultipartParts }
    public static var maxMultipartDepth: Int { configured.maxMultipartDepth }
    public static var maxSDPLines: Int { configured.maxSDPLines }
    public static var maxMediaDescriptions: Int { configured.maxMediaDescriptions }
    public static var maxKeyParams: Int { configured.maxKeyParams }
    public static var maxDiagnosticsPerMessage: Int { configured.maxDiagnosticsPerMessage }
    public static var maxCalls: Int { configured.maxCalls }
}
