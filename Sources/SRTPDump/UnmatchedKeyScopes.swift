import Analysis
import KeyBook

/// Keys given with a scope (`--key … ssrc=… addr=…`, a `--keys` entry's `scope`) that no stream of the
/// capture matched. Such a key is tried first on its SSRCs and sources (KeyBook) and on other streams
/// only as a last resort, after every key of the capture: a mistyped SSRC is worth a word, with what the
/// key did key and which streams there are.
enum UnmatchedKeyScopes {
    static let code = "keybook.scope-unmatched"

    /// One warning per scoped key whose SSRCs and sources no reported stream (RTP or RTCP) had, naming
    /// the key's origin, its scope and a few of the streams the capture does hold.
    static func diagnostics(entries: [KeyEntry], streams: [MediaStream]) -> [Diagnostic] {
        let ssrcs = Set(streams.map(\.ssrc))
        let sources = Set(streams.map(\.flow.source))
        var reported = Set<String>()
        var out: [Diagnostic] = []
        for e in entries where !e.scope.isEmpty {
            let met = e.scope.ssrcs.contains(where: ssrcs.contains) || e.scope.addresses.contains(where: sources.contains)
            guard !met else { continue }
            let scope = (e.scope.ssrcs.map { "ssrc=" + hex($0) } + e.scope.addresses.map { "addr=\($0)" })
                .joined(separator: " ")
            // The key-params of one --key share its origin and scope: one warning for them all.
            guard reported.insert("\(e.source.label) \(scope)").inserted else { continue }
            let keyed = streams.filter { $0.key?.source == e.source.label }
            let outcome =
                keyed.isEmpty
                ? "it keyed no stream as a last resort either; "
                    + (streams.isEmpty ? "the capture holds no RTP or RTCP stream" : "the streams: \(listing(streams))")
                : "as a last resort it keyed \(listing(keyed))"
            out.append(
                Diagnostic(
                    .warning, code: code, field: e.scope.ssrcs.isEmpty ? "addr" : "ssrc",
                    "\(e.source.label) is scoped to \(scope), which no stream of the capture matched; \(outcome)"))
        }
        return out
    }

    private static func hex(_ ssrc: UInt32) -> String {
        let digits = String(ssrc, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// Up to six distinct SSRC-and-source pairs, then how many more.
    private static func listing(_ streams: [MediaStream]) -> String {
        var pairs: [String] = []
        var seen = Set<String>()
        for s in streams {
            let pair = "\(hex(s.ssrc)) from \(s.flow.source)"
            if seen.insert(pair).inserted { pairs.append(pair) }
        }
        let shown = pairs.prefix(6).joined(separator: ", ")
        return pairs.count > 6 ? "\(shown) and \(pairs.count - 6) more" : shown
    }
}
