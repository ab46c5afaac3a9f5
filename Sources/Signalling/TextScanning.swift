// Small string helpers shared by the SIP and SDP parsers. They never trap: numeric parsing checks
// overflow and every index stays inside the string it came from.
//
// Speed: SIP and SDP are byte protocols (RFC 3261 §25, RFC 8866 §9: tokens, separators and line ends
// are ASCII), but the parsers hold their text as `Substring` and compare `Character`s, and a
// `Character` is a grapheme cluster: every step asks Unicode whether the next scalar joins the
// current one. Each helper therefore first checks that its text is ASCII and then works on UTF-8
// indices, where a byte is a `Character` (the one exception, CR LF forming a single `Character`, is
// handled where it matters). Text holding any other byte takes the `Character` path, so that results
// stay exactly those of the `Character` semantics: a space followed by a combining mark, or a ':'
// after a prepended mark, is one grapheme and not a separator there.

extension StringProtocol {
    /// Whether every byte of the text is ASCII (below 0x80).
    ///
    /// A native `String` knows whether it is ASCII (a flag set when it is built), and its UTF-16
    /// count equals its UTF-8 count exactly when it is: the standard library answers that from the
    /// flag in constant time. A slice of an ASCII string is ASCII; a slice of another string is
    /// scanned, eight bytes at a time.
    var isASCII: Bool {
        if let s = self as? Substring {
            if s.base.utf8.count == s.base.utf16.count { return true }
            return s.utf8.withContiguousStorageIfAvailable { isASCIIBytes($0) } ?? s.utf8.allSatisfy { $0 < 0x80 }
        }
        if let s = self as? String { return s.utf8.count == s.utf16.count }
        return utf8.withContiguousStorageIfAvailable { isASCIIBytes($0) } ?? utf8.allSatisfy { $0 < 0x80 }
    }

    /// The text as a `Substring` of itself, without copying for the two conformers the parsers use.
    var asSubstring: Substring {
        if let s = self as? Substring { return s }
        if let s = self as? String { return s[...] }
        return Substring(self[...])
    }

    /// The text without leading and trailing spaces and tabs (SIP LWS and SDP are both this lax in practice).
    var trimmedSpaces: Substring {
        let s = asSubstring
        guard s.isASCII else { return s.trimmedSpacesByCharacter }
        let u = s.utf8
        var lo = u.startIndex
        var hi = u.endIndex
        while lo < hi, u[lo] == 0x20 || u[lo] == 0x09 { lo = u.index(after: lo) }
        while lo < hi {
            let last = u.index(before: hi)
            let b = u[last]
            guard b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A else { break }
            // CR LF is one `Character`, which is neither "\r" nor "\n": the `Character` loop stops there.
            if b == 0x0A, last > lo, u[u.index(before: last)] == 0x0D { break }
            hi = last
        }
        return s[lo..<hi]
    }

    private var trimmedSpacesByCharacter: Substring {
        var s = self[...]
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s = s.dropLast() }
        return s.asSubstring
    }

    /// Fields separated by runs of spaces or tabs (SDP is strict about one space; real equipment is not).
    var spaceSeparatedFields: [Substring] {
        let s = asSubstring
        guard s.isASCII else {
            return s.split(whereSeparator: { $0 == " " || $0 == "\t" })
        }
        if let fields = s.utf8.withContiguousStorageIfAvailable({ spaceFields(s, $0) }), let fields { return fields }
        var out: [Substring] = []
        let u = s.utf8
        var i = u.startIndex
        while i < u.endIndex {
            while i < u.endIndex, u[i] == 0x20 || u[i] == 0x09 { i = u.index(after: i) }
            if i == u.endIndex { break }
            let start = i
            while i < u.endIndex, u[i] != 0x20, u[i] != 0x09 { i = u.index(after: i) }
            out.append(s[start..<i])
        }
        return out
    }

    /// The index of the first `byte` (an ASCII separator that is not CR or LF), like
    /// `firstIndex(of: Character)`.
    func firstIndex(ofASCII byte: UInt8) -> Index? {
        guard isASCII else { return firstIndex(of: Character(Unicode.Scalar(byte))) }
        return utf8.firstIndex(of: byte)
    }

    /// ASCII-only text lower-cased byte by byte; other text through `lowercased()`, which maps all of
    /// Unicode (and so can differ: the Kelvin sign becomes "k").
    var asciiLowercased: String {
        guard isASCII else { return lowercased() }
        return mappingASCII { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// ASCII-only text upper-cased byte by byte; other text through `uppercased()`.
    var asciiUppercased: String {
        guard isASCII else { return uppercased() }
        return mappingASCII { $0 >= 0x61 && $0 <= 0x7A ? $0 & 0xDF : $0 }
    }

    /// A copy with each byte mapped, written straight into the new string (no intermediate array;
    /// up to 15 bytes the string is stored inline).
    private func mappingASCII(_ transform: (UInt8) -> UInt8) -> String {
        let count = utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            var i = 0
            for b in utf8 {
                buffer[i] = transform(b)
                i += 1
            }
            return i
        }
    }
    /// Whether the text holds the ASCII `byte` as a `Character` of its own, like `contains(Character)`.
    func containsASCII(_ byte: UInt8) -> Bool {
        guard isASCII else { return contains(Character(Unicode.Scalar(byte))) }
        return utf8.contains(byte)
    }
}

extension Substring {
    /// `split(separator:omittingEmptySubsequences:)` for an ASCII separator (not CR or LF), on bytes
    /// when the text is ASCII.
    func splitASCII(_ separator: UInt8, omittingEmpty: Bool = false) -> [Substring] {
        guard isASCII else {
            return split(separator: Character(Unicode.Scalar(separator)), omittingEmptySubsequences: omittingEmpty)
        }
        var out: [Substring] = []
        let u = utf8
        var start = u.startIndex
        var i = u.startIndex
        while i < u.endIndex {
            if u[i] == separator {
                if !(omittingEmpty && start == i) { out.append(self[start..<i]) }
                start = u.index(after: i)
            }
            i = u.index(after: i)
        }
        if !(omittingEmpty && start == u.endIndex) { out.append(self[start..<u.endIndex]) }
        return out
    }
}

/// Splits bytes into lines as `lineRanges` does and decodes them in one go: the lines are slices of
/// one `String`. Equal to decoding each line alone, since a line end (LF, CR) is ASCII and UTF-8
/// decoding (replacement of invalid sequences included) never lets a sequence run across an ASCII
/// byte, and since grapheme clusters break around CR and LF (Unicode UAX #29 GB4, GB5).
func decodedLines(_ bytes: ArraySlice<UInt8>) -> [Substring] {
    let text = String(decoding: bytes, as: UTF8.self)
    let u = text.utf8
    let ranges = u.withContiguousStorageIfAvailable(lineRanges) ?? Array(u).withUnsafeBufferPointer(lineRanges)
    let ascii = text.isASCII
    return ranges.map { r in
        let line = text[u.index(u.startIndex, offsetBy: r.lowerBound)..<u.index(u.startIndex, offsetBy: r.upperBound)]
        // A line of a text that is not all ASCII becomes a string of its own, which carries its own
        // ASCII flag: the helpers' `isASCII` then costs nothing on its ASCII lines.
        return ascii ? line : String(line)[...]
    }
}

func isASCIIBytes(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
    let raw = UnsafeRawBufferPointer(buffer)
    var i = 0
    var high: UInt64 = 0
    while i + 8 <= raw.count {
        high |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        i += 8
    }
    while i < raw.count {
        high |= UInt64(raw[i])
        i += 1
    }
    return high & 0x8080_8080_8080_8080 == 0
}

/// The fields of ASCII text without tabs, found with `memchr`; nil when the text holds a tab.
private func spaceFields(_ s: Substring, _ buffer: UnsafeBufferPointer<UInt8>) -> [Substring]? {
    if firstOffset(of: 0x09, in: buffer, from: 0) != nil { return nil }
    var out: [Substring] = []
    let u = s.utf8
    var start = 0
    while start < buffer.count {
        let end = firstOffset(of: 0x20, in: buffer, from: start) ?? buffer.count
        if end > start {
            out.append(s[u.index(u.startIndex, offsetBy: start)..<u.index(u.startIndex, offsetBy: end)])
        }
        start = end + 1
    }
    return out
}

/// `a.lowercased() == b.lowercased()`, without building either string when both are ASCII.
func equalsIgnoringCase<A: StringProtocol, B: StringProtocol>(_ a: A, _ b: B) -> Bool {
    if let x = a as? String, let y = b as? String, x == y { return true }
    guard a.isASCII, b.isASCII else { return a.lowercased() == b.lowercased() }
    guard a.utf8.count == b.utf8.count else { return false }
    for (x, y) in zip(a.utf8, b.utf8) where x != y {
        let lx = x >= 0x41 && x <= 0x5A ? x | 0x20 : x
        let ly = y >= 0x41 && y <= 0x5A ? y | 0x20 : y
        if lx != ly { return false }
    }
    return true
}

/// `text.uppercased().hasPrefix(prefix)` for an upper-case ASCII `prefix`, without building the string
/// when the text is ASCII.
func hasPrefixIgnoringCase<S: StringProtocol>(_ text: S, _ prefix: String) -> Bool {
    guard text.isASCII else { return text.uppercased().hasPrefix(prefix) }
    guard text.utf8.count >= prefix.utf8.count else { return false }
    for (x, y) in zip(text.utf8, prefix.utf8) where (x >= 0x61 && x <= 0x7A ? x & 0xDF : x) != y { return false }
    return true
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

/// The same walk over the bytes of ASCII text: `visit` gets each byte outside quoted strings.
/// (CR LF, one `Character`, arrives as two bytes; no caller looks for either.)
func forEachUnquotedASCII(_ text: Substring, _ visit: (Substring.Index, UInt8) -> Bool) {
    var inQuotes = false
    var escaped = false
    let u = text.utf8
    var i = u.startIndex
    while i < u.endIndex {
        let c = u[i]
        if inQuotes {
            if escaped {
                escaped = false
            } else if c == 0x5C {
                escaped = true
            } else if c == 0x22 {
                inQuotes = false
            }
        } else if c == 0x22 {
            inQuotes = true
        } else if !visit(i, c) {
            return
        }
        i = u.index(after: i)
    }
}

/// Splits `text` at `separator` where it is not inside a quoted string (with backslash escapes,
/// RFC 3261 §25.1) or inside angle brackets. Used for SIP header lists and parameters.
func splitOutsideQuotes(_ text: Substring, separator: Character) -> [Substring] {
    var parts: [Substring] = []
    var angleDepth = 0
    var start = text.startIndex
    if text.isASCII, let sep = separator.asciiValue, sep != 0x0D, sep != 0x0A {
        let u = text.utf8
        forEachUnquotedASCII(text) { i, c in
            if c == 0x3C {
                angleDepth += 1
            } else if c == 0x3E {
                if angleDepth > 0 { angleDepth -= 1 }
            } else if c == sep, angleDepth == 0 {
                parts.append(text[start..<i])
                start = u.index(after: i)
            }
            return true
        }
        parts.append(text[start..<text.endIndex])
        return parts
    }
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

private func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }

/// User text that may hold key material (a `--key` spec or a field of one, an SDP key-param), as
/// messages quote it: between “ and ”, which `--redact-keys` replaces, contents and all, by a
/// fingerprint. A ” in the text is shown as " so that the quote always closes where the text ends.
public enum KeyText {
    public static let open = "\u{201C}"
    public static let close = "\u{201D}"

    public static func quoted<S: StringProtocol>(_ text: S, limit: Int = 60) -> String {
        var body = String(text).split(separator: "\u{201D}", omittingEmptySubsequences: false).joined(separator: "\"")
        if body.count > limit { body = String(body.prefix(limit - 3)) + "…" }
        return open + body + close
    }
}

/// A printable rendering of untrusted text for a diagnostic: bounded length, control characters escaped.
func quoted<S: StringProtocol>(_ text: S, limit: Int = 60) -> String {
    if text.isASCII {
        // The same rendering built as bytes (one scalar is one byte here).
        var bytes: [UInt8] = [0x22]
        bytes.reserveCapacity(min(text.utf8.count, limit) + 6)
        var count = 0
        for b in text.utf8 {
            if count >= limit {
                bytes += [0xE2, 0x80, 0xA6]  // "…"
                break
            }
            if b < 0x20 || b == 0x7F {
                // "\\x" and the value in lower-case hex without leading zeros, as `String(_:radix:)` writes it.
                bytes += [0x5C, 0x78]
                if b >= 16 { bytes.append(hexDigit(b >> 4)) }
                bytes.append(hexDigit(b & 15))
            } else {
                bytes.append(b)
            }
            count += 1
        }
        bytes.append(0x22)
        return String(decoding: bytes, as: UTF8.self)
    }
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
