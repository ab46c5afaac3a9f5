import Analysis
import Datagrams
import Foundation
import Synth
import TestSupport
import Transforms

/// Key candidates for a corpus capture, made from its expected results (the `keys` of each stream) and
/// its scenario (MKIs, KDR and cryptoscale, which the expected results do not repeat): the stand-in for
/// the key book in these tests. Every key is offered for every flow, so binding is by trial.
struct CorpusKeys {
    let expected: ExpectedResults
    let scenario: Scenario
    let candidates: [TrialKey]

    init(name: String) throws {
        let dir = SharedFiles.captures
        let base = name.replacingOccurrences(of: ".pcapng", with: "").replacingOccurrences(of: ".pcap", with: "")
        expected = try JSONDecoder().decode(
            ExpectedResults.self, from: Data(contentsOf: dir.appendingPathComponent("\(base).expected.json")))
        scenario = try JSONDecoder().decode(
            Scenario.self, from: Data(contentsOf: dir.appendingPathComponent("scenarios/\(base).json")))
        var out: [TrialKey] = []
        var seen: Set<String> = []
        for (i, s) in expected.streams.enumerated() {
            let id = s.suite + ":" + s.keys.joined(separator: ",")
            guard !seen.contains(id) else { continue }
            seen.insert(id)
            out.append(try Self.candidate(s, index: i, id: id, scenario: scenario))
        }
        candidates = out
        var flows: [String: Set<MediaFlowKey>] = [:]
        for s in expected.streams {
            if let f = Self.flow(s) { flows[s.suite + ":" + s.keys.joined(separator: ","), default: []].insert(f) }
        }
        flowsByKey = flows
    }

    let flowsByKey: [String: Set<MediaFlowKey>]

    /// As the key book would give them: each key first for the flows its SDP names (priority 0), then,
    /// for binding by trial, for every flow (priority 100).
    var source: StaticTrialKeys {
        var entries: [StaticTrialKeys.Entry] = []
        for c in candidates {
            var own = c
            own.priority = 0
            entries.append(StaticTrialKeys.Entry(own, flows: flowsByKey[c.id] ?? []))
            entries.append(StaticTrialKeys.Entry(c))
        }
        return StaticTrialKeys(entries: entries)
    }

    /// Only unrestricted keys: binding purely by trial.
    var trialOnlySource: StaticTrialKeys {
        StaticTrialKeys(entries: candidates.map { StaticTrialKeys.Entry($0) })
    }

    static func endpoint(_ text: String) -> Datagrams.Endpoint? {
        let host: String
        let port: String
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            port = String(text[text.index(close, offsetBy: 2)...])
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = String(text[..<colon])
            port = String(text[text.index(after: colon)...])
        }
        guard let a = IPAddress(host), let p = UInt16(port) else { return nil }
        return Datagrams.Endpoint(a, p)
    }

    static func flow(_ s: ExpectedResults.Stream) -> MediaFlowKey? {
        guard let src = endpoint(s.src), let dst = endpoint(s.dst) else { return nil }
        return MediaFlowKey(source: src, destination: dst, channel: s.channel)
    }

    static func party(for s: ExpectedResults.Stream, _ scenario: Scenario) -> Scenario.Party {
        let host =
            s.src.hasPrefix("[") ? String(s.src.dropFirst().prefix { $0 != "]" }) : String(s.src.prefix { $0 != ":" })
        if host == scenario.caller.address { return scenario.caller }
        if let f = scenario.fork, host == f.address { return f }
        if let t = scenario.turn, s.src.hasPrefix(t.server), s.dst.contains(scenario.caller.address) {
            return scenario.callee
        }
        return scenario.callee
    }

    static func candidate(_ s: ExpectedResults.Stream, index: Int, id: String, scenario: Scenario) throws
        -> TrialKey
    {
        let source = "expected.json stream \(index) key"
        if s.suite == "RTPME_DES_CBC" {
            return TrialKey(
                id: id, material: .rtpme(passphraseBase64: s.keys[0]), source: source, frame: s.keyFrame)
        }
        guard let suite = SRTPSuite.named(s.suite) else { throw CorpusError("unknown suite \(s.suite)") }
        let party = party(for: s, scenario)
        let line = party.crypto?.first { $0.suite?.rawValue == s.suite }
        var keys: [Transforms.MasterKey] = []
        for (k, text) in s.keys.enumerated() {
            guard let raw = Data(base64Encoded: text), raw.count == suite.keyLength + suite.saltLength else {
                throw CorpusError("stream \(index): key \(k) is not \(suite.keyLength + suite.saltLength) bytes")
            }
            let bytes = [UInt8](raw)
            var mki: [UInt8] = []
            if let spec = line?.keys?[safe: k], let value = spec.mki, let len = spec.mkiLength {
                mki = (0..<len).map { UInt8(truncatingIfNeeded: value >> (8 * UInt32(len - 1 - $0))) }
            }
            keys.append(
                Transforms.MasterKey(
                    key: Array(bytes[0..<suite.keyLength]), salt: Array(bytes[suite.keyLength...]), mki: mki))
        }
        var kdr: UInt64 = 0
        var services = SessionParameters()
        for p in line?.sessionParameters ?? [] {
            if p.hasPrefix("KDR="), let n = UInt64(p.dropFirst(4)) { kdr = 1 << n }
            // RFC 4568 §6.3.2, §6.3.3, as the key book reads them from the SDP.
            if p == "UNENCRYPTED_SRTP" { services.encryptRTP = false }
            if p == "UNENCRYPTED_SRTCP" { services.encryptRTCP = false }
            if p == "UNAUTHENTICATED_SRTP" { services.authenticateRTP = false }
        }
        let policy = SRTPPolicy(suite: suite, keys: keys, keyDerivationRate: kdr, sessionParameters: services)
        return TrialKey(
            id: id, material: .srtp(policy), source: source, frame: s.keyFrame, cryptoscale: line?.scale ?? false)
    }
}

struct CorpusError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
