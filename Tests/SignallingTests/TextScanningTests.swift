import Testing

@testable import Signalling

/// The byte fast paths of TextScanning.swift must give what the `Character` walk gives. The oracle in
/// each test is the standard library's `Character`-level operation on the same text, applied the way
/// the parsers applied it before the fast paths existed.
@Suite struct TextScanningTests {
    /// ASCII texts, and texts where a non-ASCII scalar sits next to a separator: U+0301 (combining
    /// acute, joins the space before it), U+0600 (prepended mark, joins the character after it),
    /// U+200D (ZWJ), U+212A (Kelvin sign, lower-cases to "k"), U+017F (long s, upper-cases to "S"),
    /// and CR LF, which is one `Character`.
    static let texts: [String] = [
        "", " ", "\t", "a", " a b\t c ", "  lead", "trail  ", "x\r", "x\r\n", "x \r\n", "x\n\n", "\r\n",
        "a \u{301}b", " \u{301}", "a\u{600} b", "\u{600}:x", "a:\u{301}b", "a=\u{301}", "a\u{200D} b",
        "\"q\u{301}\"", "\"quoted\"", "\"", "<sip:a;b>;c=\"d;e\";f", "a;b=\"x;y\\\";z\";c<d;e>f;",
        "Content-\u{212A}ength", "\u{17F}IP/2.0", "SIP/2.0", "sip/2.0", "caf\u{E9} ; x = 1",
        "INVITE  sip:a@b  SIP/2.0", "a\u{0}b\u{7F}c\u{1F}", String(repeating: "ab ", count: 40),
    ]

    @Test func trimmedSpacesMatchesTheCharacterWalk() {
        for t in Self.texts {
            var s = t[...]
            while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
            while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s = s.dropLast() }
            #expect(String(t.trimmedSpaces) == String(s), "\(t.debugDescription)")
            #expect(String(t[...].trimmedSpaces) == String(s), "\(t.debugDescription)")
        }
    }

    @Test func fieldSplitsMatchTheCharacterSplits() {
        for t in Self.texts {
            let expected = t.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            #expect(t.spaceSeparatedFields.map(String.init) == expected, "\(t.debugDescription)")
            for sep: Character in [";", "/", ":", "|"] {
                let byChar = t.split(separator: sep, omittingEmptySubsequences: false).map(String.init)
                #expect(t[...].splitASCII(sep.asciiValue ?? 0).map(String.init) == byChar, "\(t.debugDescription)")
            }
            #expect(
                SIPMessageParser.startLineFields(t[...]).map(String.init)
                    == t.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init),
                "\(t.debugDescription)")
        }
    }

    @Test func searchesAndCaseMatchTheCharacterOperations() {
        for t in Self.texts {
            for c: Character in [":", "=", " ", "\"", "<"] {
                let byChar = t.firstIndex(of: c).map { t.distance(from: t.startIndex, to: $0) }
                let fast = t.firstIndex(ofASCII: c.asciiValue ?? 0).map { t.distance(from: t.startIndex, to: $0) }
                #expect(fast == byChar, "\(t.debugDescription) \(c)")
                #expect(t.containsASCII(c.asciiValue ?? 0) == t.contains(c), "\(t.debugDescription) \(c)")
            }
            #expect(t.asciiLowercased == t.lowercased())
            #expect(t.asciiUppercased == t.uppercased())
            #expect(t.isASCII == t.unicodeScalars.allSatisfy(\.isASCII))
            #expect(hasPrefixIgnoringCase(t, "SIP/") == t.uppercased().hasPrefix("SIP/"), "\(t.debugDescription)")
            for other in ["content-length", "CONTENT-LENGTH", "Content-Kength", "sip/2.0", t.uppercased()] {
                #expect(equalsIgnoringCase(t, other) == (t.lowercased() == other.lowercased()), "\(t.debugDescription)")
            }
        }
    }

    @Test func splitOutsideQuotesMatchesTheCharacterWalk() {
        for t in Self.texts {
            // The oracle: the Character walk of forEachUnquoted, which the non-ASCII path still uses.
            var parts: [String] = []
            var depth = 0
            var start = t.startIndex
            forEachUnquoted(t[...]) { i, c in
                if c == "<" {
                    depth += 1
                } else if c == ">" {
                    if depth > 0 { depth -= 1 }
                } else if c == ";", depth == 0 {
                    parts.append(String(t[start..<i]))
                    start = t.index(after: i)
                }
                return true
            }
            parts.append(String(t[start...]))
            #expect(splitOutsideQuotes(t[...], separator: ";").map(String.init) == parts, "\(t.debugDescription)")
        }
    }

    @Test func quotedMatchesTheScalarRendering() {
        for t in Self.texts {
            var out = ""
            for (n, scalar) in t.unicodeScalars.enumerated() {
                if n >= 60 {
                    out += "…"
                    break
                }
                out += scalar.value < 0x20 || scalar.value == 0x7F
                    ? "\\x" + String(scalar.value, radix: 16) : String(Character(scalar))
            }
            #expect(quoted(t) == "\"" + out + "\"", "\(t.debugDescription)")
        }
    }

    @Test func decodedLinesEqualLinesDecodedOneByOne() {
        let bodies: [[UInt8]] = [
            Array("v=0\r\no=- 1 1 IN IP4 a\r\ns=\u{301}x\r\n\r\nlast".utf8),
            Array("a\nb\r\r\nc\r".utf8), [0x61, 0xE0, 0x0A, 0x80, 0x62, 0x0D, 0x0A, 0xFF, 0x0D], [], [0x0A], [0x0D],
        ]
        for body in bodies {
            // The oracle: split the bytes at LF (one CR before it dropped), decode each line alone.
            var expected: [String] = []
            var start = 0
            for (i, b) in body.enumerated() where b == 0x0A {
                let end = i > start && body[i - 1] == 0x0D ? i - 1 : i
                expected.append(String(decoding: body[start..<end], as: UTF8.self))
                start = i + 1
            }
            if start < body.count {
                let end = body[body.count - 1] == 0x0D ? body.count - 1 : body.count
                expected.append(String(decoding: body[start..<end], as: UTF8.self))
            }
            let lines = decodedLines(body[...])
            #expect(lines.map(String.init) == expected)
            #expect(lines.map(\.count) == expected.map(\.count))
        }
    }
}
