/// A problem found in the input, reported while processing goes on ("expert info" in Wireshark's words).
///
/// Every stage reports through this one type so that the CLI can print and count them uniformly.
/// `frame` names the frame the problem was found in (nil for file-level problems), `field` the
/// protocol field, and `code` a stable identifier that tests compare against.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable, Codable { case note, warning, error }

    public var severity: Severity
    public var code: String
    public var frame: Int?
    public var field: String?
    public var message: String

    public init(_ severity: Severity, code: String, frame: Int? = nil, field: String? = nil, _ message: String) {
        self.severity = severity
        self.code = code
        self.frame = frame
        self.field = field
        self.message = message
    }

    public var description: String {
        var s = ""
        if let frame { s += "frame \(frame): " }
        if let field { s += "\(field): " }
        return s + message
    }
}
