import Foundation
import KeyBook
import SRTPDump
import Signalling
import Testing

/// `srtpdump keys` and `calls` on the synthesized corpus (Captures/, made by srtpdump-synth with
/// libsrtp; see Captures/README.md): each stream's key, sender and key frame come from the
/// scenario's NAME.expected.json, written by the synthesizer, not by the code under test.
@Suite(.serialized)
struct KeysCLITests {
    static func capture(_ name: String) -> URL {
        let pcap = Paths.captures.appendingPathComponent(name + ".pcap")
        if FileManager.default.fileExists(atPath: pcap.path) { return pcap }
        return Paths.captures.appendingPathComponent(name + ".pcapng")
    }

    static func expected(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: Paths.captures.appendingPathComponent(name + ".expected.json"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["streams"] as? [[String: Any]] ?? []
    }

    static var corpusPresent: Bool {
        FileManager.default.fileExists(atPath: Paths.captures.appendingPathComponent("demo-call.expected.json").path)
    }

    static func keys(_ args: String...) throws -> (status: Int32, keys: [[String: Any]], stderr: String) {
        let r = try run(Paths.srtpdump.path, ["keys"] + args + ["--format", "json"])
        let object = (try? JSONSerialization.jsonObject(with: r.stdout)) as? [String: Any]
        return (r.status, object?["keys"] as? [[String: Any]] ?? [], r.errorText)
    }

    /// Calls whose signalling is in the capture and whose SDES keys libsrtp used.
    static let sdesCalls = [
        "demo-call", "forking-early-media", "fragmented-invite", "gcm-ipv6-sll2-mux-opus", "impairments-sll",
        "late-media-roc", "offer-lines-mki-vlan", "own-transforms-aes192-32", "own-transforms-aes192-kdr", "own-transforms-f8", "reinvite-rekey",
        "sip-tcp-early-media", "ssrtp-cryptoscale", "turn-channeldata",
    ]

    // The corpus is committed with the synthesizer; skipped where a checkout lacks it.
    @Test(
        "keys lists every stream's key with its frame, tag, selection and sender", .enabled(if: corpusPresent),
        arguments: sdesCalls)
    func keysMatchTheCorpus(name: String) throws {
        let r = try Self.keys(Self.capture(name).path)
        #expect(r.status == 0, "\(r.stderr)")
        for stream in try Self.expected(name) {
            let rtcp = (stream["protocol"] as? String) == "srtcp"
            let src = stream["src"] as? String
            let dst = stream["dst"] as? String
            let keys = stream["keys"] as? [String] ?? []
            let frame = stream["key_frame"] as? Int
            let tag = stream["crypto_tag"] as? Int
            let matching = r.keys.filter { e in
                keys.contains(e["key"] as? String ?? "") && e["frame"] as? Int == frame && e["tag"] as? Int == tag
            }
            #expect(matching.count == keys.count, "\(name): \(stream)")
            for e in matching {
                #expect(e["selected"] as? Bool == true, "\(name): \(e)")
                #expect(e["call_id"] is String)
                if name == "turn-channeldata" { continue }  // media relayed through TURN: bound by the decrypt stage
                let sender = e[rtcp ? "sender_rtcp" : "sender"] as? String
                let destination = e[rtcp ? "destination_rtcp" : "destination"] as? String
                let others = e["other_destinations"] as? [String] ?? []
                #expect(
                    sender == src || destination == dst || others.contains(dst ?? ""), "\(name): \(e) for \(stream)")
            }
        }
    }

    @Test("a re-INVITE rekey shows both generations with their frames", .enabled(if: corpusPresent))
    func rekeyGenerations() throws {
        let r = try Self.keys(Self.capture("reinvite-rekey").path)
        let rows = r.keys.map {
            (
                $0["frame"] as? Int ?? -1, $0["effective_frame"] as? Int ?? -1, $0["generation"] as? Int ?? -1,
                $0["party"] as? String ?? ""
            )
        }
        #expect(rows.map(\.0) == [1, 4, 156, 161])
        #expect(rows.map(\.1) == [4, 4, 161, 161])
        #expect(rows.map(\.2) == [0, 0, 1, 1])
        #expect(rows.map(\.3) == ["caller", "callee", "caller", "callee"])
        #expect(Set(r.keys.compactMap { $0["key"] as? String }).count == 4)
    }

    @Test(
        "the key book's first candidate for each stream is the stream's key", .enabled(if: corpusPresent),
        arguments: sdesCalls)
    func lookup(name: String) throws {
        guard name != "turn-channeldata" else { return }
        let result = try SignallingPipeline(options: .init(capturePath: Self.capture(name).path)).run()
        for stream in try Self.expected(name)
        where ["srtp", "srtcp", "ssrtp"].contains(stream["protocol"] as? String ?? "") {
            let keys = stream["keys"] as? [String] ?? []
            guard let src = (stream["src"] as? String).flatMap(EndpointText.parse),
                let dst = (stream["dst"] as? String).flatMap(EndpointText.parse),
                let entry = result.book.entries.first(where: { keys.contains($0.keySalt.map(SDESBase64.encode) ?? "") })
            else {
                Issue.record("\(name): no entry for \(stream)")
                continue
            }
            let ssrc = (stream["ssrc"] as? String).flatMap { UInt32($0.dropFirst(2), radix: 16) }
            let at = entry.effectiveFrame ?? entry.frame
            let first = result.book.candidates(frame: at, source: src, destination: dst, ssrc: ssrc).first
            #expect(first?.priority == .flow, "\(name) \(stream)")
            #expect(
                Set(first?.entries.compactMap { $0.keySalt.map(SDESBase64.encode) } ?? []) == Set(keys),
                "\(name) \(stream)")
            #expect(first?.policy != nil)
        }
    }

    @Test("--keys reads back what keys --format json wrote: the same book", .enabled(if: corpusPresent))
    func keysRoundTrip() throws {
        let first = try run(
            Paths.srtpdump.path, ["keys", Self.capture("offer-lines-mki-vlan").path, "--format", "json"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "srtpdump-keys-\(UUID().uuidString).json")
        try first.stdout.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        // A filter that matches no frame: every key must come from the file.
        let again = try Self.keys(Self.capture("offer-lines-mki-vlan").path, "-f", "icmp", "--keys", file.path)
        let original =
            (try JSONSerialization.jsonObject(with: first.stdout) as? [String: Any])?["keys"] as? [[String: Any]] ?? []
        #expect(original.count == 6)
        #expect(again.keys.count == original.count)
        func strip(_ e: [String: Any]) -> NSDictionary {
            var e = e
            e["source"] = nil
            e["group"] = nil
            return e as NSDictionary
        }
        for (a, b) in zip(original, again.keys) { #expect(strip(a) == strip(b)) }
        #expect(again.keys.allSatisfy { ($0["source"] as? String)?.hasPrefix("--keys ") == true })
        #expect(Set(again.keys.compactMap { $0["group"] as? Int }).count == 4)
    }

    @Test(
        "the keys report reads back whole when it lists keys it cannot use, or MS-RTPME k= keys",
        .enabled(if: corpusPresent),
        arguments: [
            "malformed/crypto-bad-base64", "malformed/crypto-key-too-short", "malformed/crypto-key-too-long",
            "malformed/crypto-mki-length-0", "malformed/crypto-mki-length-200", "malformed/crypto-lifetime-2-99",
            "rtpme-k-base64",
        ])
    func keysRoundTripUnusable(name: String) throws {
        let first = try Self.keys(Self.capture(name).path)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("srtpdump-keys-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: ["keys": first.keys]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let again = try Self.keys(Self.capture(name).path, "-f", "icmp", "--keys", file.path)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.keys.count == first.keys.count && !first.keys.isEmpty)
        for (a, b) in zip(first.keys, again.keys) {
            for field in ["suite", "key", "mki", "lifetime", "usable", "attribute", "sender", "destination"] {
                #expect(
                    (a[field] as? NSObject ?? NSNull()) == (b[field] as? NSObject ?? NSNull()),
                    "\(name) \(field): \(a[field] ?? "nil") then \(b[field] ?? "nil")")
            }
        }
        // What the report says of usability holds: MS-RTPME passphrases are tried, broken SDES keys are not.
        if name.hasPrefix("rtpme") {
            #expect(first.keys.allSatisfy { $0["usable"] as? Bool == true }, "\(first.keys)")
        } else if name.contains("base64") || name.contains("too-") {
            #expect(first.keys.contains { $0["usable"] as? Bool == false })
        }
    }

    @Test(
        "--key: listed with its source; a bad spec exits 64 naming the option and the position",
        .enabled(if: corpusPresent))
    func keyOption() throws {
        let good = try Self.keys(
            Self.capture("midcall-raw").path, "--key",
            "AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz ssrc=0x1234")
        #expect(good.status == 0)
        #expect(good.keys.count == 1)
        #expect(good.keys.first?["source"] as? String == "--key #1")
        #expect(good.keys.first?["attribute"] as? String == "manual")
        let bad = try run(
            Paths.srtpdump.path, ["keys", Self.capture("midcall-raw").path, "--key", "0011", "--key", "AES_CM_7 x"])
        #expect(bad.status == 64)
        #expect(bad.errorText.contains("--key #1"))
        #expect(bad.errorText.contains("4 hex digits (2 bytes)"))
    }

    @Test("--signalling with bare SDP bodies gives the capture its keys", .enabled(if: corpusPresent))
    func signallingFile() throws {
        let text = """
            v=0\r
            o=- 1 1 IN IP4 192.0.2.10\r
            s=-\r
            c=IN IP4 192.0.2.10\r
            t=0 0\r
            m=audio 40000 RTP/SAVP 0\r
            a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r
            v=0\r
            o=- 2 1 IN IP4 198.51.100.20\r
            s=-\r
            c=IN IP4 198.51.100.20\r
            t=0 0\r
            m=audio 50000 RTP/SAVP 0\r
            a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcHcyKzJ2ZUNBYXJOcyN1QnZT\r

            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "srtpdump-sdp-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Self.keys(Self.capture("midcall-raw").path, "--signalling", file.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.keys.map { $0["sender"] as? String } == ["192.0.2.10:40000", "198.51.100.20:50000"])
        #expect(r.keys.map { $0["frame"] as? Int } == [0, 0])
        #expect(
            r.keys.allSatisfy {
                $0["source"] as? String == "--signalling \(file.path)" && $0["selected"] as? Bool == true
            })
    }

    @Test(
        "calls: forking gives two dialogs; SIP over TCP is framed; the re-INVITE is a second exchange",
        .enabled(if: corpusPresent))
    func calls() throws {
        func calls(_ name: String) throws -> [[String: Any]] {
            let r = try run(Paths.srtpdump.path, ["calls", Self.capture(name).path, "--format", "json"])
            #expect(r.status == 0)
            return ((try JSONSerialization.jsonObject(with: r.stdout)) as? [String: Any])?["calls"] as? [[String: Any]]
                ?? []
        }
        let forked = try calls("forking-early-media")
        #expect(forked.count == 2)
        #expect(Set(forked.compactMap { $0["to_tag"] as? String }).count == 2)
        let tcp = try calls("sip-tcp-early-media")
        #expect(tcp.count == 1)
        let tcpExchanges = tcp.first?["exchanges"] as? [[String: Any]] ?? []
        #expect(tcpExchanges.count == 1)
        #expect((tcpExchanges.first?["answer"] as? [String: Any])?["frame"] as? Int == 12)
        let rekey = try calls("reinvite-rekey")
        let kinds = (rekey.first?["exchanges"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds == ["initial", "reinvite"])
        #expect(rekey.first?["state"] as? String == "terminated")
        let text = try run(Paths.srtpdump.path, ["calls", Self.capture("demo-call").path])
        #expect(text.text.contains("protection: SDES AES_CM_128_HMAC_SHA1_80, tag 1"))
    }
}
