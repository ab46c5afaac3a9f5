// Small string helpers shared by the SIP and SDP parsers. They never trap: numeric parsing checks
// overflow and every index stays inside the string it came from.

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (SIP LWS and SDP are both this lax in practice).
    var trimmedSpaces: Substring {
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s = s.dropLast() }
        return Substring(s)
    }

    /// Fields separated by runs of spaces or tabs (SDP is strict about one space; real equipment is not).
    var spaceSeparatedFields: [Substring] {
        split(whereSeparator: { $0 == " " || $0 == "\t" }).map { Substring($0) }
    }
}

/// Parses an unsigned decimal number of at most `maxDigits` digits; nil for anything else
/// (signs, spaces, empty text, overflow).
func parseDecimal<S: StringProtocol>(_ text: S, maxDigits: Int = 19) -> UInt64? {
    guard !text.isEmpty, text.utf8.count <= maxDigits else { return nil }
    var value: UInt64 = 0
    for byte in text.utf8 {
        guard byte >= 0x30, byte <= 0x39 else { return nil }
        let (m, o1) = value.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(byte - 0x30))
        if o1 || o2 { return nil }
        value = a
    }
    return value
}

/// Parses a decimal that must fit an `Int` within `range`.
func parseInt<S: StringProtocol>(_ text: S, in range: ClosedRange<Int>) -> Int? {
    guard let v = parseDecimal(text), v <= UInt64(Int.max) else { return nil }
    let i = Int(v)
    return range.contains(i) ? i : nil
}

/// Calls `visit` with each character of `text` that lies outside a quoted string (RFC 3261 §25.1:
/// `"…"` with backslash escapes; the quotes themselves are not visited), until `visit` returns false.
func forEachUnquoted(_ text: Substring, _ visit: (Substring.Index, Character) -> Bool) {
    var inQuotes = false
    var escaped = false
    var i = text.startIndex
    while i < text.endIndex {
        let c = text[i]
        if inQuotes {
            if escaped {
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                inQuotes = false
            }
        } else if c == "\"" {
            inQuotes = true
        } else if !visit(i, c) {
            return
        }
        i = text.index(after: i)
    }
}

/// Splits `text` at `separator` where it is not inside a quoted string (with backslash escapes,
/// RFC 3261 §25.1) or inside angle brackets. Used for SIP header lists and parameters.
func splitOutsideQuotes(_ text: Substring, separator: Character) -> [Substring] {
    var parts: [Substring] = []
    var angleDepth = 0
    var start = text.startIndex
    forEachUnquoted(text) { i, c in
        if c == "<" {
            angleDepth += 1
        } else if c == ">" {
            if angleDepth > 0 { angleDepth -= 1 }
        } else if c == separator, angleDepth == 0 {
            parts.append(text[start..<i])
            start = text.index(after: i)
        }
        return true
    }
    parts.append(text[start..<text.endIndex])
    return parts
}

/// A printable rendering of untrusted text for a diagnostic: bounded length, control characters escaped.
func quoted<S: StringProtocol>(_ text: S, limit: Int = 60) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
        if count >= limit {
            out += "…"
            break
        }
        if scalar.value < 0x20 || scalar.value == 0x7F {
            out += "\\x" + String(scalar.value, radix: 16)
        } else {
            out.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return "\"" + out + "\""
}
