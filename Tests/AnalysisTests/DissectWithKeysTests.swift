import Analysis
import Foundation
import SRTPDump
import Synth
import TestSupport
import Testing

/// `dissect` with keys: per media packet the SRTP/SRTCP fields, the outcome, the key and the decrypted
/// packet, checked against the corpus's expected results (the synthesizer's plaintext digests, libsrtp
/// having made the ciphertext) and, for the tag, against the tag on the wire.
@Suite struct DissectWithKeysTests {
    static func dissect(_ name: String, keySpecs: [String] = [], signalling: Bool = true) throws -> [[String: Any]] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dissect-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: out) }
        var options = DissectPipeline.Options(capturePath: SharedFiles.captures.appendingPathComponent(name).path)
        options.format = .json
        var media = DissectPipeline.MediaOptions()
        media.signalling = DecryptPipeline.SignallingInputs(keySpecs: keySpecs)
        media.rocSearch.timeBudget = 1
        options.media = media
        let stream = try OutputStream(path: out.path)
        _ = try DissectPipeline(options: options).run(output: stream, errors: OutputStream(path: "/dev/null"))
        stream.flush()
        let text = try String(contentsOf: out, encoding: .utf8)
        return try text.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            guard let x = UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16) else { return [] }
            out.append(x)
        }
        return out
    }

    /// Every media frame of demo-call, keys from its own SDP: authenticated as expected, the tag the key
    /// computes equal to the tag on the wire, and the decrypted packet's digest the synthesizer's.
    @Test func demoCallWithItsSDP() throws {
        let keys = try CorpusKeys(name: "demo-call.pcap")
        let lines = try Self.dissect("demo-call.pcap")
        var frames: [Int: [String: Any]] = [:]
        for l in lines { if let n = l["frame"] as? Int { frames[n] = l } }
        #expect(frames.count == keys.expected.frames)
        var rtcp = 0
        for e in keys.expected.mediaFrames {
            let f = try #require(frames[e.frame])
            if e.status == "not_media" {
                #expect(f["srtp"] == nil, "frame \(e.frame): \(e.kind) shown as media")
                continue
            }
            guard let srtp = f["srtp"] as? [String: Any] else {
                Issue.record("frame \(e.frame) (\(e.kind), \(e.status)): no srtp object")
                continue
            }
            #expect(srtp["outcome"] as? String == e.status, "frame \(e.frame)")
            let tag = try #require(srtp["tag"] as? String)
            #expect(tag.count == 20 && srtp["tag_computed"] as? String == tag, "frame \(e.frame): tag")
            let decrypted = try #require(srtp["decrypted"] as? [String: Any])
            let packet = Self.bytes(try #require(decrypted["packet"] as? String))
            #expect(plaintextDigest(packet) == e.digest, "frame \(e.frame): plaintext digest")
            let key = try #require(srtp["key"] as? [String: Any])
            #expect((key["source"] as? String)?.hasPrefix("SDP a=crypto") == true)
            if srtp["protocol"] as? String == "srtcp" {
                rtcp += 1
                #expect(srtp["e"] as? Bool == true && (srtp["srtcp_index"] as? Int ?? 0) >= 1)
                let compound = try #require(decrypted["rtcp"] as? [[String: Any]])
                let types = compound.compactMap { $0["type"] as? String }
                #expect(types.first == "SR" || types.first == "RR", "frame \(e.frame): \(types)")
                let sdes = try #require(compound.first { $0["type"] as? String == "SDES" })
                let items = (sdes["chunks"] as? [[String: Any]])?.first?["items"] as? [[String: Any]]
                #expect(items?.first?["type"] as? String == "CNAME")
            } else {
                #expect(srtp["roc"] as? Int == 0)
                let rtp = try #require(decrypted["rtp"] as? [String: Any])
                // The header is not encrypted (RFC 3711 §3.1): the plaintext's fields are the `rtp` layer's,
                // under the same names.
                let layer = try #require(f["rtp"] as? [String: Any])
                for field in ["payload_type", "seq", "timestamp", "ssrc", "marker"] {
                    let shown = rtp[field].map { "\($0)" }
                    #expect(shown != nil && shown == layer[field].map { "\($0)" }, "frame \(e.frame): \(field)")
                }
                #expect(srtp["index"] as? Int == rtp["seq"] as? Int)
            }
        }
        #expect(rtcp > 0)
    }

    /// MS-SSRTP (a=cryptoscale): the ESN, the 1-byte MKI and the tag are shown; the ESN grows by one per
    /// packet of a stream (MS-SSRTP §3.1.3.3.2, skipping a zero low byte), and the plaintext is the
    /// synthesizer's.
    @Test func ssrtpShowsItsESN() throws {
        let keys = try CorpusKeys(name: "ssrtp-cryptoscale.pcap")
        var frames: [Int: [String: Any]] = [:]
        for l in try Self.dissect("ssrtp-cryptoscale.pcap") { if let n = l["frame"] as? Int { frames[n] = l } }
        var lastESN: [String: Int] = [:]
        var seen = 0
        for e in keys.expected.mediaFrames where e.status == "authenticated" {
            guard let srtp = frames[e.frame]?["srtp"] as? [String: Any], srtp["protocol"] as? String == "ssrtp" else {
                continue
            }
            seen += 1
            let esn = try #require(srtp["esn"] as? Int, "frame \(e.frame)")
            #expect((srtp["mki"] as? String)?.count == 2 && (srtp["tag"] as? String)?.count == 20)
            let ssrc = (frames[e.frame]?["rtp"] as? [String: Any])?["ssrc"] as? String ?? "?"
            if let last = lastESN[ssrc] {
                let next = (last + 1) & 0xFF == 0 ? last + 2 : last + 1
                #expect(esn == next, "frame \(e.frame): ESN \(esn) after \(last)")
            }
            lastESN[ssrc] = esn
            let packet = Self.bytes((srtp["decrypted"] as? [String: Any])?["packet"] as? String ?? "")
            #expect(plaintextDigest(packet) == e.digest, "frame \(e.frame): plaintext digest")
        }
        #expect(seen > 50)
    }

    /// A capture begun mid-call with the wrong key: every packet fails, the tag computed differs from the
    /// wire's and the reason says so; without any key the packets are still shown as SRTP, with no key.
    @Test func wrongKeyAndNoKey() throws {
        let wrong = try Self.dissect("midcall-raw.pcap", keySpecs: ["QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJC"])
        let failed = wrong.compactMap { $0["srtp"] as? [String: Any] }
        #expect(!failed.isEmpty)
        for s in failed {
            #expect(s["outcome"] as? String == "auth_failed")
            #expect((s["reason"] as? String)?.hasPrefix("tag mismatch") == true)
            #expect(s["tag"] as? String != nil && s["tag"] as? String != s["tag_computed"] as? String)
            #expect(s["decrypted"] == nil)
        }
        let none = try Self.dissect("midcall-raw.pcap")
        let shown = none.compactMap { $0["srtp"] as? [String: Any] }
        #expect(!shown.isEmpty && shown.allSatisfy { $0["outcome"] as? String == "no_key" && $0["key"] == nil })
        #expect(shown.contains { $0["protocol"] as? String == "srtp" })
    }
}
