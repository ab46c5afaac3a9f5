import Foundation
import KeyBook
import Output
import SRTPDump
import Testing
import TestSupport

/// `--redact-keys` (issue 7): no key of a capture, in any spelling, appears in any output of any
/// command; each key is shown as the same `key#` fingerprint everywhere, and that fingerprint is the
/// first 8 hex digits of SHA-256 of the key's bytes as `sha256sum` computes them.
@Suite struct MalformedRedactionTests {
    /// Calls with SDES keys (UDP, TCP/pcapng, MKI, SSRTP/cryptoscale), MS-RTPME `k=base64:`, and broken
    /// a=crypto lines of the malformed corpus.
    static let captures: [String] = [
        "demo-call.pcap", "sip-tcp-early-media.pcapng", "offer-lines-mki-vlan.pcap", "rtpme-k-base64.pcap",
        "ssrtp-cryptoscale.pcap", "malformed/crypto-key-too-long.pcap", "malformed/crypto-mki-length-200.pcap",
        "malformed/crypto-bad-base64.pcap",
    ]

    static func path(_ name: String) -> String { SharedFiles.captures.appendingPathComponent(name).path }

    /// Every spelling of every key of `capture` a report could print: the text after `inline:` or
    /// `base64:` as the unredacted keys report gives it, and the decoded bytes in hex.
    static func secrets(_ capture: String) throws -> (texts: Set<String>, bytes: [[UInt8]]) {
        let r = try srtpdump("keys", path(capture), "--format", "json")
        let json = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        let keys = try #require(json["keys"] as? [[String: Any]])
        var texts = Set<String>()
        var bytes: [[UInt8]] = []
        for k in keys {
            guard var t = k["key"] as? String else { continue }
            for p in ["inline:", "base64:", "clear:"] where t.hasPrefix(p) { t.removeFirst(p.count) }
            let key = String(t.prefix { $0 != "|" })
            guard key.count >= 8 else { continue }
            texts.insert(key)
            if let b = Data(base64Encoded: key) { bytes.append([UInt8](b)) }
        }
        // The SDP text itself, for keys the book could not decode (bad base64): the a=crypto inline values.
        let raw = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path(capture))), as: UTF8.self)
        for line in raw.components(separatedBy: "\r\n") where line.hasPrefix("a=crypto:") || line.hasPrefix("k=") {
            if let r = line.range(of: "inline:") ?? line.range(of: "base64:") {
                let key = String(line[r.upperBound...].prefix { $0 != "|" && $0 != " " })
                if key.count >= 8 { texts.insert(key) }
            }
        }
        return (texts, bytes)
    }

    static func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

    /// The fingerprint computed independently: sha256sum over the key bytes.
    static func sha256sumFingerprint(_ bytes: [UInt8]) throws -> String? {
        guard let tool = Paths.which("sha256sum") else { return nil }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let r = try run(tool, [file])
        return "key#" + r.text.prefix(8)
    }

    @Test(arguments: captures)
    func noKeyInAnyOutput(_ capture: String) throws {
        let (texts, bytes) = try Self.secrets(capture)
        #expect(!texts.isEmpty, "no keys found in \(capture): the test would prove nothing")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("redact-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Self.path(capture)
        let runs: [[String]] = [
            ["dissect", p, "--verbose"], ["dissect", p, "--format", "json"],
            ["keys", p], ["keys", p, "--format", "json"],
            ["calls", p], ["calls", p, "--format", "json"],
            ["decrypt", p, "-w", out, "--format", "json"], ["decrypt", p, "-w", out], ["streams", p],
            ["streams", p, "--format", "json"], ["dissect", p, "--srtp", "--verbose"],
            ["dissect", p, "--srtp", "--format", "json"],
        ]
        var keysText = ""
        for args in runs {
            let r = try run(Paths.srtpdump.path, args + ["--redact-keys"])
            #expect([0, 1].contains(r.status), "\(args): \(r.errorText)")
            let all = r.text + r.errorText
            for t in texts { #expect(!all.contains(t), "\(args) prints key \(t)") }
            for b in bytes {
                #expect(!all.lowercased().contains(Self.hex(b)), "\(args) prints a key in hex")
            }
            if args[0] == "keys" { keysText += all }
        }
        // The fingerprints are there instead, and they are SHA-256 of the key bytes.
        for b in bytes {
            guard let fp = try Self.sha256sumFingerprint(b) else { break }
            #expect(keysText.contains(fp), "fingerprint \(fp) of a key of \(capture) not in the keys reports")
        }
    }

    /// The same key spelt differently gets the same fingerprint; other text is left alone.
    @Test func redactionOfText() throws {
        let key = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
        let bytes = try #require(Data(base64Encoded: key)).map { $0 }
        let fp = KeyRedaction.fingerprint(bytes)
        if let oracle = try Self.sha256sumFingerprint(bytes) { #expect(fp == oracle) }
        #expect(KeyRedaction.redact("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^20|1:4")
            == "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(fp)|2^20|1:4")
        #expect(KeyRedaction.redact("k=base64:\(key)") == "k=base64:\(fp)")
        #expect(KeyRedaction.redact("k=clear:hunter2 x") == "k=clear:\(KeyRedaction.fingerprint(Array("hunter2".utf8))) x")
        #expect(KeyRedaction.redact("INVITE sip:bob@example.com SIP/2.0") == "INVITE sip:bob@example.com SIP/2.0")
        // Idempotent: a fingerprint is not fingerprinted again.
        #expect(KeyRedaction.redact("inline:\(fp)") == "inline:\(fp)")
    }

    /// A mistyped key is key material too: under --redact-keys, a bad --key's error names the option,
    /// its number and the field, never the text (the spec, a field of it), on every command.
    @Test(arguments: [
        "AES_256_CM_HMAC_SHA1_80 aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz",  // 30 bytes for a 46-byte suite
        "aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz 6920 6b6e6f77",  // material given twice
        "0011aabbccddeeff0011aabbccddeeff0011aabbccddeeff0011aabbccddee",  // 31 bytes
        "\"aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz\" x",  // pasted with its quotes
        "key: \u{201D}aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz\u{201D}",  // with closing typographic quotes
    ])
    func badKeySpecIsRedactedOnStderr(_ spec: String) throws {
        let capture = SharedFiles.captures.appendingPathComponent("demo-call.pcap").path
        for command in [["keys"], ["calls"], ["dissect"], ["streams"], ["decrypt", "-w", "/dev/null"]] {
            let r = try run(Paths.srtpdump.path, command + [capture, "--redact-keys", "--key", spec])
            #expect(r.status == 64, "\(command): \(r.status) \(r.errorText)")
            #expect(r.errorText.contains("--key #1"), "\(command): \(r.errorText)")
            // No run of 4 or more characters of the spec's key material survives.
            for field in spec.split(separator: " ") where field.count >= 4 && !field.hasPrefix("AES") && field != "key:" {
                for start in stride(from: 0, through: field.count - 4, by: 1) {
                    let piece = field.dropFirst(start).prefix(4)
                    #expect(!r.errorText.contains(piece), "\(command): \(piece) in \(r.errorText)")
                }
            }
            // Without the flag the spec is quoted, to help the user find the mistake.
            let plain = try run(Paths.srtpdump.path, command + [capture, "--key", spec])
            #expect(plain.errorText.contains("aSBrbm93IGFsbCB5b3Vy") || plain.errorText.contains("0011aabb"), "\(command): \(plain.errorText)")
        }
    }
}

/// Key files others can read earn a warning (issue 7); private ones do not.
@Suite struct MalformedKeyFilePermissionTests {
    static func keyFile(mode: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString).json").path
        let r = try srtpdump("keys", SharedFiles.captures.appendingPathComponent("demo-call.pcap").path, "--format", "json")
        try r.stdout.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test(arguments: [(0o644, "everyone"), (0o640, "its group"), (0o600, nil)] as [(Int, String?)])
    func warning(mode: Int, who: String?) throws {
        let path = try Self.keyFile(mode: mode)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let d = KeyFilePermissions.warning(path: path)
        if let who {
            let w = try #require(d)
            #expect(w.message.contains("readable by \(who)"))
            #expect(w.field == "--keys \(path)")
        } else {
            #expect(d == nil)
        }
        // Through the command line: the warning on stderr, and the keys still used.
        let r = try srtpdump("keys", SharedFiles.captures.appendingPathComponent("midcall-raw.pcap").path, "--keys", path)
        #expect(r.status == 0)
        #expect(r.errorText.contains("readable by") == (who != nil), "\(r.errorText)")
        #expect(r.text.contains("AES_CM_128_HMAC_SHA1_80"))
    }

    @Test func notARegularFileIsNotWarnedAbout() {
        #expect(KeyFilePermissions.warning(path: "/dev/null") == nil)
        #expect(KeyFilePermissions.warning(path: "/nonexistent/keys.json") == nil)
    }
}

/// `--limit NAME=VALUE` (issue 7): every limit listed, documented, settable, and felt.
@Suite struct MalformedLimitTests {
    static func malformed(_ name: String) -> String {
        SharedFiles.captures.appendingPathComponent("malformed/\(name)").path
    }

    @Test func helpListsEveryLimitAndTheDocsDocumentIt() throws {
        let r = try srtpdump("dissect", Self.malformed("tcp-hole.pcap"), "--limit", "help")
        #expect(r.status == 0)
        let doc = try String(
            contentsOf: SharedFiles.repositoryRoot.appendingPathComponent("Docs/robustness.md"), encoding: .utf8)
        for e in ResourceLimits.all {
            #expect(r.text.contains(e.name), "--limit help lacks \(e.name)")
            #expect(doc.contains("`\(e.name)`"), "Docs/robustness.md lacks \(e.name)")
        }
    }

    @Test("--limit help lists the limits with no capture given, and with --limit=help, on any subcommand")
    func helpNeedsNoCapture() throws {
        let withCapture = try srtpdump("dissect", Self.malformed("tcp-hole.pcap"), "--limit", "help")
        for arguments in [["streams", "--limit", "help"], ["decrypt", "--limit=help"], ["keys", "--limit", "HELP", "-f", "udp"]] {
            let r = try run(Paths.srtpdump.path, arguments)
            #expect(r.status == 0 && r.text == withCapture.text && r.errorText.isEmpty, "\(arguments): \(r.errorText)")
        }
        // After "--", "--limit help" is not an option: a capture named --limit is read (and is missing).
        let r = try run(Paths.srtpdump.path, ["streams", "--", "--limit", "help"])
        #expect(r.status != 0 && !r.text.contains("ip-fragments"))
    }

    @Test(arguments: [
        "bogus=1", "sdp-lines", "sdp-lines=0", "sdp-lines=1.5", "tcp-bytes=12Q", "streams=-4", "replay-window=32",
        "replay-window=2048",
    ])
    func badLimitIsAUsageError(_ spec: String) throws {
        let r = try srtpdump("keys", Self.malformed("tcp-hole.pcap"), "--limit", spec)
        #expect(r.status == 64, "\(spec): \(r.status) \(r.errorText)")
    }

    @Test func parsing() throws {
        var l = ResourceLimits()
        try l.set("tcp-bytes=256M")
        try l.set("ip-fragment-age=2.5")
        try l.set("SDP-LINES=10")
        try l.set("roc-search-seconds=10s")
        try l.set("replay-window=1024")
        try l.set("hold-bytes=1M")
        #expect(l.rocSearchSeconds == 10)
        #expect(l.replayWindow == 1024)
        #expect(l.holdBytes == 1 << 20)
        try l.set("hold-frames=7")
        // They reach the pipelines' options.
        var decrypt = DecryptPipeline.Options(capturePath: "-")
        l.apply(to: &decrypt)
        #expect(decrypt.replayWindow == 1024 && decrypt.holdFrames == 7 && decrypt.holdBytes == 1 << 20)
        var dissect = DissectPipeline.Options(capturePath: "-")
        dissect.media = DissectPipeline.MediaOptions()
        l.apply(to: &dissect)
        #expect(dissect.media?.replayWindow == 1024)
        #expect(l.tcp.maxBufferedTotal == 256 << 20)
        #expect(l.fragments.maxAgeNanoseconds == 2_500_000_000)
        #expect(l.signalling.maxSDPLines == 10)
    }

    @Test func sdpLinesLimitIsFelt() throws {
        let r = try srtpdump("keys", Self.malformed("sdp-thousands-of-lines.pcap"), "--limit", "sdp-lines=100")
        #expect(r.status == 0)
        #expect(r.errorText.contains("3013 lines exceed the limit of 100"), "\(r.errorText)")
        // The default (2,000) lets the key line (12) through; 10 lines do not.
        let cut = try srtpdump("keys", Self.malformed("sdp-thousands-of-lines.pcap"), "--limit", "sdp-lines=10")
        #expect(!cut.text.contains("frame 1 "), "\(cut.text)")
    }

    @Test func fragmentAgeLimitIsFelt() throws {
        let r = try srtpdump("dissect", Self.malformed("ip-fragments-incomplete.pcap"), "--limit", "ip-fragment-age=1")
        #expect(r.status == 0)
        #expect((r.text + r.errorText).contains("incomplete after 1 s"))
    }

    /// One stream at a time: every new stream evicts the other, with a diagnostic; every frame is still
    /// written, and the decrypted frames are still decrypted (a context is rebuilt by trial).
    @Test func streamEvictionKeepsEveryFrame() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("evict-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let capture = SharedFiles.captures.appendingPathComponent("demo-call.pcap").path
        func authenticated(_ r: ProcessResult) throws -> (Int, [[String: Any]]) {
            let json = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
            #expect(json["frames"] as? Int == 1011)
            let streams = try #require(json["streams"] as? [[String: Any]])
            return (streams.reduce(0) { $0 + (($1["authenticated"] as? Int) ?? 0) }, json["diagnostics"] as? [[String: Any]] ?? [])
        }
        let free = try srtpdump("decrypt", capture, "-w", out, "--format", "json")
        let r = try srtpdump("decrypt", capture, "-w", out, "--format", "json", "--limit", "streams=2")
        #expect([0, 1].contains(r.status))
        let (unbounded, none) = try authenticated(free)
        let (bounded, diagnostics) = try authenticated(r)
        #expect(!none.contains { ($0["code"] as? String) == "decrypt.streams-evicted" })
        #expect(diagnostics.contains { ($0["code"] as? String) == "decrypt.streams-evicted" })
        #expect(bounded == unbounded, "eviction lost decryptions")
        #expect(try MalformedCorpus.frames(out).count == 1011)
    }
}
