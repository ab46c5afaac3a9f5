import Capture

extension SDESCryptoAttribute {
    /// Reads the value of an `a=crypto` (or `a=cryptoscale`) line — the text after the colon — exactly as
    /// the SDP parser does, for keys given outside an SDP (`--key`). Diagnostics carry no frame.
    public static func parse(value: String, kind: Kind = .crypto) -> (
        attribute: SDESCryptoAttribute?, diagnostics: [Diagnostic]
    ) {
        var sink = DiagnosticSink()
        let a = SDESCryptoParser.parse(Substring(value), kind: kind, line: 1, sink: &sink)
        return (a, sink.all)
    }
}

/// The strict base64 of RFC 4648 §4 that SDES key-params use, for the key book and its files.
public enum SDESBase64 {
    /// The bytes, or nil for text that is not canonical padded base64.
    public static func decode(_ text: String) -> [UInt8]? {
        switch Base64.decode(text) {
        case .success(let b): b
        case .failure: nil
        }
    }

    /// Why the text is not base64, or nil when it is.
    public static func problem(_ text: String) -> String? {
        switch Base64.decode(text) {
        case .success: nil
        case .failure(let e): e.explanation
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }
}
