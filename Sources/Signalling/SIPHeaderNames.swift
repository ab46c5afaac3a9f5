// SIP header names: case-insensitive (RFC 3261 §7.3.1), with single-letter compact forms
// (RFC 3261 §7.3.3 and the RFCs that registered further letters in the IANA SIP parameters registry).

enum SIPHeaderNames {
    /// Compact form → full name.
    static let compactForms: [String: String] = [
        "a": "Accept-Contact",  // RFC 3841
        "b": "Referred-By",  // RFC 3892
        "c": "Content-Type",
        "d": "Request-Disposition",  // RFC 3841
        "e": "Content-Encoding",
        "f": "From",
        "i": "Call-ID",
        "j": "Reject-Contact",  // RFC 3841
        "k": "Supported",
        "l": "Content-Length",
        "m": "Contact",
        "n": "Identity-Info",  // RFC 4474
        "o": "Event",  // RFC 6665
        "r": "Refer-To",  // RFC 3515
        "s": "Subject",
        "t": "To",
        "u": "Allow-Events",  // RFC 6665
        "v": "Via",
        "x": "Session-Expires",  // RFC 4028
        "y": "Identity",  // RFC 8224
    ]

    /// Canonical spellings of the headers this module looks at, keyed by lower-case name, so that
    /// `CALL-ID`, `call-id` and `i` all become `Call-ID`.
    private static let canonical: [String: String] = {
        var table: [String: String] = [:]
        let names =
            Array(compactForms.values) + [
                "CSeq", "Max-Forwards", "Require", "Proxy-Require", "Security-Client", "Security-Server",
                "Security-Verify", "Record-Route", "Route", "Warning", "User-Agent", "Server", "Allow",
                "Authorization", "Proxy-Authorization", "WWW-Authenticate", "Proxy-Authenticate", "Date",
                "Content-Disposition", "MIME-Version", "Reason", "P-Asserted-Identity", "Expires",
            ]
        for n in names { table[n.lowercased()] = n }
        return table
    }()

    /// The canonical name for a header name as written on the wire.
    static func canonicalName<S: StringProtocol>(_ raw: S) -> String {
        knownName(raw) ?? String(raw)
    }

    /// The canonical name when the table knows `raw`, nil otherwise.
    static func knownName<S: StringProtocol>(_ raw: S) -> String? {
        let lower = raw.lowercased()
        if lower.utf8.count == 1, let full = compactForms[lower] { return full }
        return canonical[lower]
    }

    /// Headers whose value is one item even when it holds commas (RFC 3261 §7.3.1 lists the
    /// authentication headers; Date, Subject and the product headers are free text).
    static let notLists: Set<String> = [
        "authorization", "proxy-authorization", "www-authenticate", "proxy-authenticate", "date",
        "subject", "user-agent", "server", "call-id", "cseq", "content-length", "content-type",
        "organization", "retry-after", "timestamp", "max-forwards", "expires", "min-expires",
        "content-disposition", "identity", "identity-info", "refer-to", "referred-by",
    ]
}

/// One header field as received: the name as written, its canonical name, and the value with
/// folding undone (RFC 3261 §7.3.1: continuation lines joined by a single space).
public struct SIPHeader: Hashable, Sendable {
    /// The name as it appeared on the wire (`i`, `CALL-ID`, …).
    public var rawName: String
    /// The canonical name (`Call-ID`); compare names through `SIPMessage.headers(named:)`.
    public var name: String
    public var value: String
    /// 1-based line of the message the header starts on (for diagnostics).
    public var line: Int

    public init(rawName: String, name: String, value: String, line: Int) {
        self.rawName = rawName
        self.name = name
        self.value = value
        self.line = line
    }
}
