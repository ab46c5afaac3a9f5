import Capture

/// Stable diagnostic codes of the Signalling stage; tests compare against these.
///
/// The stage reports through `Capture.Diagnostic` with `frame` left nil: the caller, which knows
/// the frame a message came from, fills it in (see `Diagnostic.inFrame(_:)`).
public enum SignallingCode {
    // SIP
    public static let sipEmpty = "sip.empty"
    public static let sipStartLine = "sip.start-line"
    public static let sipHeaderSyntax = "sip.header-syntax"
    public static let sipHeaderFolding = "sip.header-folding"
    public static let sipHeadersUnterminated = "sip.headers-unterminated"
    public static let sipTooManyHeaders = "sip.too-many-headers"
    public static let sipTooLarge = "sip.too-large"
    public static let sipContentLength = "sip.content-length"
    public static let sipBodyTruncated = "sip.body-truncated"
    public static let sipTrailingBytes = "sip.trailing-bytes"
    public static let sipCSeq = "sip.cseq"
    public static let sipMissingHeader = "sip.missing-header"
    public static let sipNameAddress = "sip.name-address"
    public static let sipVia = "sip.via"
    public static let sipContentType = "sip.content-type"
    public static let sipMultipart = "sip.multipart"
    // Stream framing
    public static let streamGarbage = "sip.stream.garbage"
    public static let streamIncomplete = "sip.stream.incomplete"
    public static let streamOverflow = "sip.stream.overflow"
    // SDP
    public static let sdpLineSyntax = "sdp.line-syntax"
    public static let sdpTooManyLines = "sdp.too-many-lines"
    public static let sdpTooManyMedia = "sdp.too-many-media"
    public static let sdpMissingLine = "sdp.missing-line"
    public static let sdpUnknownType = "sdp.unknown-type"
    public static let sdpVersion = "sdp.version"
    public static let sdpOrigin = "sdp.origin"
    public static let sdpConnection = "sdp.connection"
    public static let sdpMedia = "sdp.media"
    public static let sdpAttribute = "sdp.attribute"
    public static let sdpMisplaced = "sdp.misplaced"
    public static let sdpKey = "sdp.key"
    public static let sdpEncryption = "sdp.encryption"
    // SDES (RFC 4568) and its Microsoft variant
    public static let cryptoSyntax = "sdp.crypto.syntax"
    public static let cryptoSuite = "sdp.crypto.suite"
    public static let cryptoBase64 = "sdp.crypto.base64"
    public static let cryptoKeyLength = "sdp.crypto.key-length"
    public static let cryptoLifetime = "sdp.crypto.lifetime"
    public static let cryptoMKI = "sdp.crypto.mki"
    public static let cryptoSessionParam = "sdp.crypto.session-param"
    public static let cryptoDuplicateTag = "sdp.crypto.duplicate-tag"
    // Dialogs and offer/answer
    public static let offerAnswer = "sip.offer-answer"
    public static let limit = "signalling.limit"
}

extension Diagnostic {
    /// The same diagnostic attributed to a frame (the caller knows which frame a message came from).
    public func inFrame(_ frame: Int?) -> Diagnostic {
        var copy = self
        copy.frame = frame
        return copy
    }
}

/// Collects diagnostics up to `SignallingLimits.maxDiagnosticsPerMessage`, so that a hostile input with
/// a problem on every line cannot grow the list without bound.
struct DiagnosticSink {
    private(set) var items: [Diagnostic] = []
    private var dropped = 0

    mutating func add(_ severity: Diagnostic.Severity, _ code: String, field: String, _ message: String) {
        if items.count < SignallingLimits.maxDiagnosticsPerMessage {
            items.append(Diagnostic(severity, code: code, field: field, message))
        } else {
            dropped += 1
        }
    }

    mutating func append(contentsOf others: [Diagnostic]) {
        for d in others {
            if items.count < SignallingLimits.maxDiagnosticsPerMessage { items.append(d) } else { dropped += 1 }
        }
    }

    /// The collected diagnostics, with a final note when some were dropped.
    var all: [Diagnostic] {
        guard dropped > 0 else { return items }
        return items + [
            Diagnostic(
                .warning, code: SignallingCode.limit, field: "diagnostics",
                "\(dropped) further diagnostics not shown (limit \(SignallingLimits.maxDiagnosticsPerMessage))")
        ]
    }
}
