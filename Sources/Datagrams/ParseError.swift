import Capture

/// Why a header could not be parsed, with a stable `code` and the protocol `field` at fault.
///
/// Parsers throw this (typed throws, so nothing is boxed or allocated on the error path beyond the
/// strings); the `FrameDecoder` turns it into a `Diagnostic` naming the frame. `truncated` says the
/// header was cut by the capture's snap length rather than malformed on the wire.
public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: String
    public var field: String
    public var message: String
    public var truncated: Bool

    public init(code: String, field: String, _ message: String, truncated: Bool = false) {
        self.code = code
        self.field = field
        self.message = message
        self.truncated = truncated
    }

    /// "`layer`.truncated": fewer captured bytes than the header needs. Out of line: the parsers' common
    /// path need not carry the string interpolation.
    @inline(never)
    static func truncated(_ layer: String, field: String, need: Int, have: Int) -> ParseError {
        ParseError(
            code: "\(layer).truncated", field: field,
            "\(layer) header needs \(need) bytes, \(have) captured", truncated: true)
    }

    /// The diagnostic for this error in frame `frame` (a note when the capture merely cut the header short).
    /// Out of line, for the decoder's error paths.
    @inline(never)
    public func diagnostic(frame: Int) -> Diagnostic {
        Diagnostic(truncated ? .note : .error, code: code, frame: frame, field: field, message)
    }

    public var description: String { "\(field): \(message)" }
}
