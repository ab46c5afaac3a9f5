/// Why a capture could not be opened, filtered or written at all.
///
/// Problems *inside* a capture that still let reading go on are `Diagnostic`s instead; these errors are
/// for the cases where there is nothing sensible to go on with (no such file, not a capture, a filter
/// that does not compile, an output that would overwrite the input).
public struct CaptureError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        case cannotOpen = "capture.cannot-open"
        case notACapture = "capture.not-a-capture"
        case badFilter = "capture.bad-filter"
        case outputIsInput = "capture.output-is-input"
        case cannotWrite = "capture.cannot-write"
        case unsupportedFrame = "capture.unsupported-frame"
    }

    public var code: Code
    public var path: String?
    public var message: String

    public init(_ code: Code, path: String? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String {
        if let path { return "\(path): \(message)" }
        return message
    }
}
