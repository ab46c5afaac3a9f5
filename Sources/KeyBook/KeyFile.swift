import Capture
import Datagrams
import Signalling
import Transforms

/// `--keys FILE`: reads the `{"keys": [...]}` that `srtpdump keys --format json` writes (the schema is
/// in Docs/json-schema.md), so that a run's key table can be reused, edited or shared.
///
/// Entries keep their call, sender, destination, SSRCs and selection, and bind to flows as they did;
/// an entry with none of those is unscoped. Required per entry: `suite` and `key` (which may be null in an
/// entry listed as unusable); the rest is optional.
public enum KeyFile {
    /// The entries of the file, and a warning for each entry read back as listed but unusable.
    public typealias Result = (entries: [KeyEntry], diagnostics: [Diagnostic])

    public static func read(path: String) throws(KeyInputError) -> Result {
        switch FileBytes.read(path) {
        case .success(let bytes): return try parse(bytes, name: path)
        case .failure(let p): throw KeyInputError(option: "--keys", position: path, p.message)
        }
    }

    public static func parse(_ bytes: [UInt8], name: String) throws(KeyInputError) -> Result {
        let root: JSONValue
        do { root = try JSONValue.parse(bytes) } catch {
            throw KeyInputError(option: "--keys", position: "\(name) byte \(error.offset)", error.message)
        }
        guard let list = root["keys"]?.array else {
            throw KeyInputError(option: "--keys", position: name, "expected an object with a \"keys\" array")
        }
        var out: Result = ([], [])
        for (i, item) in list.enumerated() {
            out.entries.append(try entry(item, index: i + 1, name: name, notes: &out.diagnostics))
        }
        return out
    }

    /// An SSRC as the keys JSON writes it (`"0x1234abcd"`), or a plain number.
    static func ssrc(_ v: JSONValue) -> UInt32? {
        if let s = v.string, s.hasPrefix("0x") { return UInt32(s.dropFirst(2), radix: 16) }
        return v.uint64.flatMap { UInt32(exactly: $0) }
    }

    static func entry(
        _ v: JSONValue, index n: Int, name: String, notes: inout [Diagnostic]
    ) throws(KeyInputError) -> KeyEntry {
        func fail(_ m: String) -> KeyInputError { KeyInputError(option: "--keys", position: "\(name) entry \(n)", m) }
        // The keys report lists the keys it could not use too ("usable": false: bad base64, a length the
        // suite cannot take, an unknown suite), so that a saved table reads back whole. Such an entry's
        // key problems are a warning, not an error: it is kept as listed and never tried (unless mended
        // by hand, when it reads as any other). Anywhere else a key problem stops the run (exit 64).
        let listedUnusable = v["usable"]?.bool == false
        var unusable: [String] = []
        func keyProblem(_ m: String) throws(KeyInputError) {
            guard listedUnusable else { throw fail(m) }
            unusable.append(m)
        }
        func endpoint(_ key: String) throws(KeyInputError) -> Endpoint? {
            guard let x = v[key], !x.isNull else { return nil }
            guard let s = x.string, let e = EndpointText.parse(s) else { throw fail("\(key) is not \"ip:port\"") }
            return e
        }
        guard case .object = v else { throw fail("not an object") }
        let attribute = KeyAttribute(rawValue: v["attribute"]?.string ?? "manual") ?? .manual
        guard let suiteName = v["suite"]?.string else { throw fail("no \"suite\"") }
        let suite = SRTPSuite.sdesNamed(suiteName)
        let keyText = v["key"]?.string
        var keySalt: [UInt8]?
        var kText: String?
        if keyText == nil { try keyProblem("no \"key\"") }
        // `keys --redact-keys` writes `key#1a2b3c4d` (or `base64:key#…`) where the key was.
        if let keyText, keyText.hasPrefix("key#") || keyText.hasPrefix("base64:key#") || keyText.hasPrefix("clear:key#") {
            throw fail("the key is a fingerprint (\(keyText)): the table was written with --redact-keys and holds no key")
        }
        if attribute == .k {
            kText = keyText
            if let keyText, keyText.hasPrefix("base64:") {
                keySalt = SDESBase64.decode(String(keyText.dropFirst(7)))
            } else if let keyText, keyText.hasPrefix("clear:") {
                keySalt = Array(keyText.dropFirst(6).utf8)
            }
        } else if let suite {
            if let keyText {
                if let ks = SDESBase64.decode(keyText) {
                    if ks.count != suite.keySaltLength {
                        try keyProblem("key is \(ks.count) bytes, \(suite.name) needs \(suite.keySaltLength) (key‖salt)")
                    }
                    keySalt = ks
                } else {
                    try keyProblem("key is not base64 (\(SDESBase64.problem(keyText) ?? "invalid"))")
                    kText = keyText
                }
            }
        } else {
            try keyProblem("unknown suite \"\(suiteName)\"")
            // As the SDP path keeps it: the decoded bytes when base64, else the text.
            if let keyText {
                if let ks = SDESBase64.decode(keyText) { keySalt = ks } else { kText = keyText }
            }
        }
        var e = KeyEntry(
            source: .keysFile(path: name, entry: n), attribute: attribute, suiteName: suite?.name ?? suiteName,
            suite: suite, keySalt: keySalt, group: v["group"]?.int ?? -n)
        e.keyText = kText
        e.callID = v["call_id"]?.string
        e.frame = v["frame"]?.int ?? 0
        e.effectiveFrame = v["effective_frame"]?.int
        e.generation = v["generation"]?.int ?? 0
        e.role = v["role"]?.string.flatMap(SDPRecord.Role.init(rawValue:))
        e.party = v["party"]?.string.flatMap(DialogParty.init(rawValue:))
        e.sender = try endpoint("sender")
        if e.sender == nil { e.senderText = v["sender"]?.string }
        e.senderRTCP = try endpoint("sender_rtcp")
        e.destination = try endpoint("destination")
        e.destinationRTCP = try endpoint("destination_rtcp")
        e.otherDestinations = (v["other_destinations"]?.array ?? []).compactMap {
            $0.string.flatMap(EndpointText.parse)
        }
        e.ssrcs = (v["ssrcs"]?.array ?? []).compactMap(ssrc)
        e.candidates = (v["candidates"]?.array ?? []).compactMap { $0.string.flatMap(EndpointText.parse) }
        e.media = v["media"]?.string
        e.mediaIndex = v["media_index"]?.int
        e.tag = v["tag"]?.uint64.flatMap { UInt32(exactly: $0) }
        if let m = v["mki"], !m.isNull {
            // 0...999: what an a=crypto MKI field can say (three digits); RFC 4568 §9.1 allows 1..128.
            guard let value = m["value"]?.uint64, let length = m["length"]?.int, (0...999).contains(length) else {
                throw fail("mki is not {\"value\": n, \"length\": n}")
            }
            if !(1...128).contains(length) {
                // Kept and tried, as the a=crypto line it came from was (`mki_mismatch` then says why).
                notes.append(
                    Diagnostic(
                        .warning, code: KeyBookCode.keysFile, field: "--keys \(name) entry \(n) mki",
                        "MKI length \(length) is outside 1..128 (RFC 4568 §9.1)"))
            }
            e.mki = KeyEntry.MKI(value: value, length: length)
        }
        e.lifetime = v["lifetime"]?.string
        if let l = e.lifetime {
            if l.hasPrefix("2^"), let k = Int(l.dropFirst(2)), (0..<64).contains(k) {
                e.lifetimePackets = 1 << UInt64(k)
            } else {
                e.lifetimePackets = UInt64(l)
            }
        }
        e.params = (v["params"]?.array ?? []).compactMap(\.string)
        e.cryptex = v["cryptex"]?.bool ?? false
        e.encryptedExtensionIDs = (v["encrypted_extensions"]?.array ?? []).compactMap(\.int)
        e.selected = v["selected"]?.bool ?? true
        if let s = v["scope"], !s.isNull {
            e.scope.ssrcs = (s["ssrcs"]?.array ?? []).compactMap(ssrc)
            e.scope.addresses = (s["addresses"]?.array ?? []).compactMap { $0.string.flatMap(EndpointText.parse) }
        }
        if !unusable.isEmpty {
            notes.append(
                Diagnostic(
                    .warning, code: KeyBookCode.keysFile, field: "--keys \(name) entry \(n)",
                    "\(unusable.joined(separator: "; ")); listed as unusable, kept so and never tried"))
        }
        return e
    }
}
