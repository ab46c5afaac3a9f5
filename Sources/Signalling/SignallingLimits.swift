// The Signalling stage of the pipeline (SIP framing and parsing, SDP); see Docs/architecture.md.
//
// Hard limits that keep hostile or broken signalling from costing unbounded memory or time.
// Each limit, when reached, produces a diagnostic and the parser goes on with what it has.

/// Limits applied by every SIP and SDP parser in this module.
public enum SignallingLimits {
    /// Largest SIP message (start line, headers and body) accepted, in bytes.
    /// RFC 3261 §18.1.1 expects messages near the path MTU over UDP; over TCP they may be larger,
    /// but even a large multipart INVITE stays well below this. A UDP datagram cannot exceed 65,535.
    public static let maxMessageSize = 256 * 1024
    /// Largest header section (start line and headers) a stream framer waits for before it gives up.
    public static let maxHeaderSectionSize = 64 * 1024
    /// Most header fields kept from one message; the rest are dropped with a diagnostic.
    public static let maxHeaderCount = 256
    /// Most parts read from one multipart body.
    public static let maxMultipartParts = 32
    /// Deepest nesting of multipart bodies followed (multipart/mixed holding multipart/alternative, …).
    public static let maxMultipartDepth = 4
    /// Most lines read from one SDP body; a longer body is cut with a diagnostic.
    public static let maxSDPLines = 2_000
    /// Most media descriptions (`m=` sections) kept from one SDP body.
    public static let maxMediaDescriptions = 64
    /// Most key-params kept from one `a=crypto` line (RFC 4568 §9.1 allows one or more).
    public static let maxKeyParams = 16
    /// Most diagnostics kept per message; after this one summary diagnostic says how many were dropped.
    public static let maxDiagnosticsPerMessage = 100
}
