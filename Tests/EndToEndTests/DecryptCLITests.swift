import Foundation
import Testing

/// `srtpdump decrypt` and `srtpdump streams` as a user runs them: exit statuses, the JSON report, the
/// output capture's format, refusal to overwrite the input. Keys by `--key` (the key book's grammar)
/// and from the SDP in the capture.
@Suite struct DecryptCLITests {
    static let marseillaiseKey = "aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz"

    static func temp(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).\(ext)").path
    }

    /// The report's diagnostics with `code`.
    static func diagnostics(_ report: [String: Any], code: String) -> [[String: Any]] {
        (report["diagnostics"] as? [[String: Any]] ?? []).filter { ($0["code"] as? String) == code }
    }

    static func report(_ r: ProcessResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
    }

    @Test(.enabled(if: Paths.sharedPresent, "../shared/captures/public/ is absent: skipped"))
    func marseillaiseDecryptsAndTsharkPlaysIt() throws {
        let out = Self.temp("pcap")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try srtpdump(
            "decrypt", Paths.publicCapture("gteissier-marseillaise-srtp.pcap").path, "-w", out, "--format", "json",
            "--key", Self.marseillaiseKey)
        #expect(r.status == 0, "\(r.errorText)")
        let json = try Self.report(r)
        #expect(json["frames"] as? Int == 11_888)
        let streams = try #require(json["streams"] as? [[String: Any]])
        #expect(streams.count == 1)
        let s = try #require(streams.first)
        #expect(s["ssrc"] as? String == "0xdeadbeef")
        #expect(s["protocol"] as? String == "srtp")
        #expect(s["src"] as? String == "10.1.1.1:10000")
        #expect(s["dst"] as? String == "10.2.2.2:10000")
        #expect(s["suite"] as? String == "AES_CM_128_HMAC_SHA1_80")
        #expect(s["packets"] as? Int == 11_888)
        #expect(s["authenticated"] as? Int == 11_888)
        #expect(s["auth_failed"] as? Int == 0)
        #expect(s["lost"] as? Int == 0)
        #expect((s["key"] as? [String: Any])?["source"] as? String == "--key #1")
        // pcap in, pcap out: the classic magic.
        let head = try #require(FileHandle(forReadingAtPath: out)?.readData(ofLength: 4))
        #expect([UInt8](head) == [0xD4, 0xC3, 0xB2, 0xA1] || [UInt8](head) == [0xA1, 0xB2, 0xC3, 0xD4])
        if Paths.tsharkPresent {
            let t = try tshark(["-r", out, "-d", "udp.port==10000,rtp", "-q", "-z", "rtp,streams"])
            #expect(t.status == 0)
            let line = try #require(t.text.split(separator: "\n").first { $0.contains("0xDEADBEEF") })
            #expect(line.contains("g711A"))
            #expect(line.contains(" 11888 "))
            #expect(!line.hasSuffix("X"))
        }
    }

    @Test(.enabled(if: Paths.sharedPresent, "../shared/captures/public/ is absent: skipped"))
    func wrongKeyExitsOneWithDiagnosis() throws {
        let r = try srtpdump(
            "streams", Paths.publicCapture("gteissier-marseillaise-srtp.pcap").path, "--format", "json",
            "--key", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk")
        #expect(r.status == 1)
        let json = try Self.report(r)
        let s = try #require((json["streams"] as? [[String: Any]])?.first)
        #expect(s["auth_failed"] as? Int == 11_888)
        let d = try #require((s["diagnosis"] as? [[String: Any]])?.first)
        #expect(d["reason"] as? String == "modified_or_key_unknown")
    }

    @Test func pcapngInPcapngOut() throws {
        let out = Self.temp("pcapng")
        defer { try? FileManager.default.removeItem(atPath: out) }
        // sip-tcp-early-media: AES_CM_128_HMAC_SHA1_32; both senders' keys (Captures/…expected.json),
        // each offered to every flow and bound by trial.
        let r = try srtpdump(
            "decrypt", Paths.captures.appendingPathComponent("sip-tcp-early-media.pcapng").path, "-w", out,
            "--format", "json", "--key", "AES_CM_128_HMAC_SHA1_32:VFjslcJyjQ/cYW9Uy028GiCFyMqWT1lnYwGOAaBr",
            "--key", "AES_CM_128_HMAC_SHA1_32:0ixIT5Y9XEeWeSyVSdPx1kBygB5zOCn7GANUfuwE")
        #expect(r.status == 0, "\(r.errorText)")
        let head = try #require(FileHandle(forReadingAtPath: out)?.readData(ofLength: 4))
        #expect([UInt8](head) == [0x0A, 0x0D, 0x0D, 0x0A])  // pcapng Section Header Block
        let json = try Self.report(r)
        #expect(json["frames"] as? Int == 286)
        let streams = try #require(json["streams"] as? [[String: Any]])
        let callee = try #require(
            streams.first { $0["ssrc"] as? String == "0xbe75e439" && $0["protocol"] as? String == "srtp" })
        #expect(callee["authenticated"] as? Int == 160)
        let caller = try #require(
            streams.first { $0["ssrc"] as? String == "0x4f4de93d" && $0["protocol"] as? String == "srtp" })
        #expect(caller["authenticated"] as? Int == 99)
        #expect((caller["key"] as? [String: Any])?["source"] != nil)
        let formatWarnings = Self.diagnostics(json, code: "capture.output-format")
        #expect(formatWarnings.isEmpty)
        // Named .pcap, written as pcapng all the same (the input's format), with a warning that says so.
        let misnamed = Self.temp("pcap")
        defer { try? FileManager.default.removeItem(atPath: misnamed) }
        let m = try srtpdump(
            "decrypt", Paths.captures.appendingPathComponent("sip-tcp-early-media.pcapng").path, "-w", misnamed,
            "--format", "json")
        let warned = !Self.diagnostics(try Self.report(m), code: "capture.output-format").isEmpty
        #expect(warned, "\(m.errorText)")
    }

    @Test func missingInputExitsTwo() throws {
        let r = try srtpdump("streams", "/nonexistent/capture.pcap")
        #expect(r.status == 2)
        #expect(!r.errorText.isEmpty)
    }

    @Test func refusesToOverwriteTheInput() throws {
        let copy = Self.temp("pcap")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(
            atPath: Paths.captures.appendingPathComponent("demo-call.pcap").path, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let r = try srtpdump("decrypt", copy, "-w", copy)
        #expect(r.status == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
    }

    @Test func textReportByDefault() throws {
        let r = try srtpdump("streams", Paths.captures.appendingPathComponent("demo-call.pcap").path)
        #expect(r.status == 0)
        #expect(r.text.hasPrefix("1011 frames"))
        #expect(!r.errorText.contains("frames,"))  // no progress line: stderr is not a terminal
    }

    /// Keys from the SDP in the capture through the key book; the TURN-relayed flows are bound by trial
    /// (the SDP names the relayed address, not the ChannelData 5-tuple).
    @Test func keysFromTheCapturesSDP() throws {
        let r = try srtpdump(
            "streams", Paths.captures.appendingPathComponent("turn-channeldata.pcap").path, "--format", "json")
        #expect(r.status == 0, "\(r.errorText)")
        let streams = try #require(try Self.report(r)["streams"] as? [[String: Any]])
        // RTP both ways in Send/Data indications until the ChannelBind, then in ChannelData; RTCP in ChannelData.
        #expect(streams.count == 6)
        #expect(streams.allSatisfy { $0["auth_failed"] as? Int == 0 })
        #expect(streams.reduce(0) { $0 + ($1["authenticated"] as? Int ?? 0) } == 149 + 149 + 2 + 2)
        #expect(streams.allSatisfy { ($0["key"] as? [String: Any])?["source"] as? String != nil })
    }

    /// No signalling at all (a capture begun mid-call): keys by hand, ROCs 5 and 3 recovered by tag.
    @Test func midCallWithKeysByHand() throws {
        let r = try srtpdump(
            "streams", Paths.captures.appendingPathComponent("midcall-raw.pcap").path, "--format", "json",
            "--key", "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0", "--key", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNk")
        #expect(r.status == 0, "\(r.errorText)")
        let streams = try #require(try Self.report(r)["streams"] as? [[String: Any]])
        let a = try #require(
            streams.first { $0["ssrc"] as? String == "0x38f8ebad" && $0["protocol"] as? String == "srtp" })
        let b = try #require(
            streams.first { $0["ssrc"] as? String == "0x957f239f" && $0["protocol"] as? String == "srtp" })
        #expect(a["first_roc"] as? Int == 5 && a["authenticated"] as? Int == 100)
        #expect(b["first_roc"] as? Int == 3 && b["authenticated"] as? Int == 100)
        #expect((a["roc_search"] as? [String: Any])?["recovered"] as? Int == 5)
    }

    /// Keys the SDP gives for the very flow are reported as signalled, with the frame that carried them;
    /// the sender's own key protects what it sends (the callee's key, from the 200 OK in frame 4, keys
    /// the callee's stream).
    @Test func signalledKeysAreReportedAsSignalled() throws {
        let r = try srtpdump("streams", "--format", "json", Paths.captures.appendingPathComponent("demo-call.pcap").path)
        #expect(r.status == 0, "\(r.errorText)")
        let report = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        let streams = try #require(report["streams"] as? [[String: Any]])
        #expect(streams.count == 4)
        for s in streams {
            let key = try #require(s["key"] as? [String: Any])
            #expect(key["binding"] as? String == "signalled", "\(s["ssrc"] ?? "?")")
            let fromCallee = (s["src"] as? String)?.hasPrefix("198.51.100.20") == true
            #expect(key["frame"] as? Int == (fromCallee ? 4 : 1))
        }
    }

    /// rtpme-k-base64.pcap with each `k=base64:` line made useless, the SDP keeping its length: the value's
    /// characters replaced by `!` (not base64), or the line replaced by `k=prompt` and a padding attribute.
    static func rtpmeWithoutPassphrase(_ how: String) throws -> String {
        let prefix = Array("k=base64:".utf8)
        return try Self.captureWithLinesEdited("rtpme-k-base64.pcap", prefix: "k=base64:") { _, i, bytes in
            var end = i + prefix.count
            while end < bytes.count, bytes[end] != 0x0D { end += 1 }
            let replacement: [UInt8]
            if how == "prompt" {
                let head = Array("k=prompt\r\na=x-pad:".utf8)
                replacement = head + [UInt8](repeating: UInt8(ascii: "x"), count: end - i - head.count)
            } else {
                replacement = prefix + [UInt8](repeating: UInt8(ascii: "!"), count: end - i - prefix.count)
            }
            bytes.replaceSubrange(i..<end, with: replacement)
        }
    }

    @Test(
        "a k= line with nothing to try keeps its flow MS-RTPME: no RTP rows of ciphertext, a warning per flow, exit 1",
        arguments: ["prompt", "not base64"])
    func rtpmeFlowWithoutPassphrase(how: String) throws {
        let capture = try Self.rtpmeWithoutPassphrase(how)
        defer { try? FileManager.default.removeItem(atPath: capture) }
        let r = try srtpdump("streams", capture, "--format", "json")
        #expect(r.status == 1, "\(r.errorText)")
        let report = try Self.report(r)
        // Before: the DES ciphertext was read as RTP, a one-packet "stream" per random SSRC.
        #expect((report["streams"] as? [Any])?.isEmpty == true, "\(report["streams"] ?? "")")
        let noKey = Self.diagnostics(report, code: "decrypt.rtpme-no-key")
        #expect(noKey.count == 2)
        #expect(noKey.allSatisfy { ($0["message"] as? String)?.contains("gives no passphrase to try") == true })
    }

    @Test("a capture on standard input (-) or through a pipe reads as the file does; no copy is left behind")
    func standardInputAndPipes() throws {
        let capture = Paths.captures.appendingPathComponent("demo-call.pcap").path
        let direct = try Self.report(try srtpdump("streams", capture, "--format", "json"))
        let tmp = Self.temp("dir")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let exe = Paths.srtpdump.path
        for command in ["cat '\(capture)' | '\(exe)' streams - --format json", "cat '\(capture)' | '\(exe)' streams /dev/stdin --format json"] {
            let r = try run("/bin/sh", ["-c", "TMPDIR='\(tmp)' " + command])
            #expect(r.status == 0, "\(command): \(r.errorText)")
            let piped = try Self.report(r)
            #expect(piped["frames"] as? Int == direct["frames"] as? Int && (piped["frames"] as? Int ?? 0) > 1000)
            #expect((piped["streams"] as? [Any])?.count == (direct["streams"] as? [Any])?.count)
            #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty, "a temporary copy was left")
        }
    }

    @Test("-w - writes the decrypted capture to standard output, byte for byte the file -w writes; the report goes to standard error")
    func decryptedCaptureToStandardOutput() throws {
        let exe = Paths.srtpdump.path
        for name in ["demo-call.pcap", "sip-tcp-early-media.pcapng"] {
            let capture = Paths.captures.appendingPathComponent(name).path
            let keys = name.hasSuffix("pcapng")
                ? ["--key", "AES_CM_128_HMAC_SHA1_32:VFjslcJyjQ/cYW9Uy028GiCFyMqWT1lnYwGOAaBr",
                   "--key", "AES_CM_128_HMAC_SHA1_32:0ixIT5Y9XEeWeSyVSdPx1kBygB5zOCn7GANUfuwE"]
                : []
            let file = Self.temp(name)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let named = try run(exe, ["decrypt", capture, "-w", file, "--format", "json"] + keys)
            #expect(named.status == 0, "\(named.errorText)")
            let piped = try run(exe, ["decrypt", capture, "-w", "-", "--format", "json"] + keys)
            #expect(piped.status == 0, "\(piped.errorText)")
            // The same capture either way: nothing else on standard output, nothing missing.
            let written = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(written.count > 10_000)
            #expect(piped.stdout == written, "\(name): \(piped.stdout.count) bytes on stdout, \(written.count) in the file")
            // The report, on standard error, is the one the named run printed on standard output.
            let report = try #require(piped.errorText.split(separator: "\n").first { $0.hasPrefix("{") })
            let json = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
            #expect(json["frames"] as? Int == (try Self.report(named))["frames"] as? Int)
        }
        // A terminal as standard output (script(1) gives the child one) is refused before any frame is read.
        let script = try #require(Paths.which("script"), "script(1) is missing (bsdutils, essential on Debian)")
        let demo = Paths.captures.appendingPathComponent("demo-call.pcap").path
        let t = try run(script, ["-qec", "'\(exe)' decrypt '\(demo)' -w -", "/dev/null"])
        #expect(t.status == 2, "\(t.text)")
        #expect(t.text.contains("standard output is a terminal"), "\(t.text)")
        #expect(!t.text.contains("media streams"), "the pass ran")
        // Written onto its own input through a redirection that keeps the file (>>), the run is refused and
        // the input left as it was.
        let copy = Self.temp("pcap")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: Paths.captures.appendingPathComponent("demo-call.pcap").path, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let r = try run("/bin/sh", ["-c", "'\(exe)' decrypt '\(copy)' -w - >> '\(copy)'"])
        #expect(r.status == 2 && r.errorText.contains("refusing to write onto the input"), "\(r.errorText)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
    }

    @Test(
        "-w - into a reader that goes away stops the pass at the frame whose write failed (exit 2), not at the end",
        .enabled(if: Paths.sharedPresent, "../shared/captures/public/ is absent: skipped"))
    func standardOutputReaderGoneStopsThePass() throws {
        // 2.8 MB of output, more than the writer's 1 MiB buffer: the failure shows at a record.
        let capture = Paths.publicCapture("gteissier-marseillaise-srtp.pcap").path
        let r = try run(
            "/bin/bash", ["-c", "set -o pipefail; '\(Paths.srtpdump.path)' decrypt '\(capture)' -w - --key \(Self.marseillaiseKey) | head -c 64 > /dev/null"])
        #expect(r.status == 2, "\(r.errorText)")  // srtpdump's status (pipefail; head's is 0)
        #expect(r.errorText.contains("-: frame "), "\(r.errorText)")
        #expect(r.errorText.contains("write failed: Broken pipe"), "\(r.errorText)")
        let frame = r.errorText.split(separator: "-: frame ").last.flatMap { Int($0.prefix { $0.isNumber }) }
        #expect((frame ?? 0) > 0 && (frame ?? .max) < 11_888, "\(r.errorText)")
        #expect(!r.errorText.contains("media stream"), "the report was printed: the pass went on")
    }

    @Test("a key scoped to an SSRC or a source no stream has is reported, with what it keyed as a last resort or the streams there are")
    func scopedKeyThatMatchesNothingIsReported() throws {
        let capture = Paths.captures.appendingPathComponent("demo-call.pcap").path
        let key = "AES_CM_128_HMAC_SHA1_80:aSBrbm93IGFsbCB5b3VyIGxpdHRsZSBzZWNyZXRz"
        let r = try srtpdump(
            "streams", capture, "--format", "json",
            "--key", "\(key) ssrc=0xb8e6035e",                  // one digit off the caller's SSRC
            "--key", "\(key) ssrc=0xb8e6035d",                  // the caller's SSRC: matched
            "--key", "\(key) addr=192.0.2.10:40000",            // the callee's source: matched
            "--key", "\(key) addr=[2001:db8::1]:5004 ssrc=7")   // neither
        #expect(r.status == 0, "\(r.errorText)")
        let warnings = Self.diagnostics(try Self.report(r), code: "keybook.scope-unmatched")
        let messages = warnings.compactMap { $0["message"] as? String }
        #expect(messages.count == 2, "\(messages)")
        #expect(messages.first?.hasPrefix("--key #1 is scoped to ssrc=0xb8e6035e, which no stream") == true, "\(messages)")
        // The SDP's keys bind demo-call's streams: the wrong key keyed nothing, and the streams are listed.
        #expect(messages.first?.contains("keyed no stream") == true, "\(messages)")
        #expect(messages.first?.contains("0xb8e6035d from 198.51.100.20:50000") == true, "\(messages)")
        #expect(messages.last?.hasPrefix("--key #4 is scoped to ssrc=0x00000007 addr=[2001:db8::1]:5004") == true, "\(messages)")
        // With no signalling, a mis-scoped right key keys the stream as a last resort, and says so.
        let midcall = Paths.captures.appendingPathComponent("midcall-raw.pcap").path
        let m = try srtpdump("streams", midcall, "--format", "json", "--key", "MDEyMzQ1Njc4OWFiY2RlZmdoaWprbG1ub3BxcnN0 ssrc=0x1")
        let lastResort = Self.diagnostics(try Self.report(m), code: "keybook.scope-unmatched").compactMap { $0["message"] as? String }
        #expect(lastResort.count == 1 && lastResort.first?.contains("as a last resort it keyed 0x38f8ebad from 198.51.100.20:50000") == true, "\(lastResort)")
        // Nothing to say when every scope met a stream, or when no key is scoped.
        for keys in [["--key", "\(key) ssrc=0xb8e6035d"], ["--key", key]] {
            let quiet = try run(Paths.srtpdump.path, ["streams", capture, "--format", "json"] + keys)
            #expect(Self.diagnostics(try Self.report(quiet), code: "keybook.scope-unmatched").isEmpty)
        }
    }

    @Test("a directory as the capture or as -w is refused by name, before any frame is read")
    func directoriesAreRefused() throws {
        let dir = Self.temp("dir")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try srtpdump("streams", dir)
        #expect(input.status == 2 && input.errorText.contains("is a directory"), "\(input.errorText)")
        let capture = Paths.captures.appendingPathComponent("demo-call.pcap").path
        for out in [dir, dir + "/"] {
            let r = try srtpdump("decrypt", capture, "-w", out)
            #expect(r.status == 2 && r.errorText.contains("is a directory"), "\(r.errorText)")
            #expect(!r.text.contains("media streams"), "the pass ran before the refusal")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test(
        "media signalling keyed with nothing usable is reported as protected and undecrypted, not as clear RTP",
        .enabled(if: Paths.sharedPresent, "../shared/captures/public/ is absent: skipped"))
    func dtlsSRTPWithoutItsKeys() throws {
        let r = try srtpdump("streams", Paths.publicCapture("dsrtp-av.pcap").path, "--format", "json")
        #expect(r.status == 1, "\(r.errorText)")
        let report = try Self.report(r)
        let streams = report["streams"] as? [[String: Any]] ?? []
        // The README's counts: 490 + 1,239 SRTP, 28 + 2 + 15 SRTCP, none of it decrypted.
        #expect(streams.count == 5)
        #expect(streams.allSatisfy { ["srtp", "srtcp"].contains($0["protocol"] as? String ?? "") }, "\(streams)")
        let packets = streams.compactMap { $0["packets"] as? Int }.reduce(0, +)
        let expected = 490 + 1_239 + 28 + 2 + 15
        #expect(packets == expected)
        let warnings = Self.diagnostics(report, code: "decrypt.no-usable-key")
        #expect(warnings.count == 5)
        #expect(warnings.allSatisfy { ($0["message"] as? String)?.contains("DTLS-SRTP handshake") == true })
    }

    @Test("a stream whose signalled key cannot be used fails for that reason, not as a modified packet")
    func unusableSignalledKey() throws {
        let r = try srtpdump(
            "streams", Paths.captures.appendingPathComponent("malformed/crypto-bad-base64.pcap").path, "--format", "json",
            "--limit", "roc-search-seconds=0.1")
        #expect(r.status == 1)
        let streams = try Self.report(r)["streams"] as? [[String: Any]] ?? []
        let caller = try #require(streams.first { ($0["src"] as? String) == "192.0.2.10:40000" })
        let reasons = (caller["diagnosis"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
        #expect(reasons == ["no_usable_key"], "\(caller)")
    }

    @Test("-f selects the media; the keys still come from the SIP it leaves out")
    func filterKeepsTheSignalling() throws {
        let capture = Paths.captures.appendingPathComponent("demo-call.pcap").path
        let r = try srtpdump("streams", capture, "-f", "udp port 40000", "--format", "json")
        #expect(r.status == 0, "\(r.errorText)")
        let streams = try Self.report(r)["streams"] as? [[String: Any]] ?? []
        #expect(!streams.isEmpty)
        #expect(streams.allSatisfy { ($0["authenticated"] as? Int ?? 0) > 0 && ($0["protocol"] as? String) == "srtp" }, "\(streams)")
    }

    @Test("MS-RTPME ciphertext draws no RTP/RTCP header warnings once its flow is known to be MS-RTPME")
    func rtpmeCiphertextIsNotJudgedAsRTP() throws {
        let r = try srtpdump("streams", Paths.captures.appendingPathComponent("rtpme-k-base64.pcap").path, "--format", "json")
        #expect(r.status == 0, "\(r.errorText)")
        let report = try Self.report(r)
        let header = (report["diagnostics"] as? [[String: Any]] ?? []).filter {
            let f = $0["field"] as? String ?? ""
            return f.hasPrefix("rtp.") || f.hasPrefix("rtcp.")
        }
        #expect(header.isEmpty, "\(header)")
        #expect((report["streams"] as? [[String: Any]] ?? []).contains { ($0["authenticated"] as? Int ?? 0) > 90 })
    }

    @Test("the ROC searches of a run share a total time bound; the streams past it are not searched, said once")
    func rocSearchTotalBound() throws {
        // midcall-raw (no signalling) with a key of neither stream: both fail their first packets.
        let r = try srtpdump(
            "streams", Paths.captures.appendingPathComponent("midcall-raw.pcap").path, "--format", "json",
            "--key", "AES_CM_128_HMAC_SHA1_80:\(Self.marseillaiseKey)", "--limit", "roc-search-total-seconds=0.001",
            "--limit", "roc-search-seconds=0.3")
        #expect(r.status == 1)
        let report = try Self.report(r)
        let stopped = Self.diagnostics(report, code: "decrypt.roc-search-stopped")
        #expect(stopped.count == 1, "\(report["diagnostics"] ?? "")")
        let searched = (report["streams"] as? [[String: Any]] ?? []).filter { $0["roc_search"] != nil }
        #expect(searched.count == 1, "\(report["streams"] ?? "")")
    }

    /// A copy of Captures/NAME with each of its two lines starting `prefix` (in SDP: the offer's, then the
    /// answer's) edited in place by `edit(line, offset, &bytes)`, lengths kept; the path of the copy.
    static func captureWithLinesEdited(
        _ name: String, prefix: String, _ edit: (Int, Int, inout [UInt8]) -> Void
    ) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: Paths.captures.appendingPathComponent(name)))
        let marker = Array(prefix.utf8)
        var seen = 0
        var i = 0
        while i + marker.count <= bytes.count {
            guard Array(bytes[i..<i + marker.count]) == marker else {
                i += 1
                continue
            }
            edit(seen, i, &bytes)
            seen += 1
            i += marker.count
        }
        #expect(seen == 2)
        let path = Self.temp("pcap")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// demo-call.pcap with its two `a=crypto:1 … inline:` lines (the offer's, frame 1, then the answer's,
    /// frame 4) edited in place.
    static func demoCallWithCryptoLinesEdited(_ edit: (Int, Int, inout [UInt8]) -> Void) throws -> String {
        try captureWithLinesEdited("demo-call.pcap", prefix: "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", edit)
    }

    @Test("an unusable key the answer did not accept says nothing of the flow: no no-usable-key warning, exit 0")
    func declinedUnusableKeyIsNotAWarning() throws {
        // demo-call with the offer's key made unusable (not base64) and the answer's a=crypto renamed
        // (a=xrypto, same length): the answer accepts no key, as a best-effort SRTP answer would not.
        let path = try Self.demoCallWithCryptoLinesEdited { line, at, bytes in
            if line == 0 {
                bytes[at + 42] = UInt8(ascii: "!")  // the offer (frame 1): not base64
            } else {
                bytes[at + 2] = UInt8(ascii: "x")  // the answer (frame 4): no a=crypto any more
            }
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try srtpdump("streams", path, "--format", "json")
        #expect(r.status == 0, "\(r.errorText)")
        let warned = !Self.diagnostics(try Self.report(r), code: "decrypt.no-usable-key").isEmpty
        #expect(!warned)
    }

    @Test("a pcapng cut inside its Section Header Block is unreadable (exit 2), as a cut pcap header is")
    func pcapngCutInItsSectionHeader() throws {
        let data = try Data(contentsOf: Paths.captures.appendingPathComponent("sip-tcp-early-media.pcapng"))
        for n in [6, 12, 20] {
            let path = Self.temp("pcapng")
            try data.prefix(n).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(try srtpdump("streams", path).status == 2, "cut at \(n)")
            #expect(try srtpdump("dissect", path).status == 2, "cut at \(n)")
        }
    }

    @Test("a stream no offered key authenticates, on a flow whose answer declined every key, is clear RTP (a note), not a failure")
    func answerDeclinedTheKeys() throws {
        // demo-call with the answer's a=crypto renamed (a=xrypto, same length): the answer accepts no key.
        // The caller's media still authenticates under its offered key; the callee's, under no key, is
        // what an answer that declined SRTP sends: RTP in clear.
        let path = try Self.demoCallWithCryptoLinesEdited { line, at, bytes in
            if line == 1 { bytes[at + 2] = UInt8(ascii: "x") }
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try srtpdump("streams", path, "--format", "json", "--limit", "roc-search-seconds=0.1")
        #expect(r.status == 0, "\(r.errorText)")
        let report = try Self.report(r)
        let streams = report["streams"] as? [[String: Any]] ?? []
        let callee = streams.filter { ($0["src"] as? String)?.hasPrefix("198.51.100.20") == true }
        #expect(!callee.isEmpty && callee.allSatisfy { ($0["auth_failed"] as? Int) == 0 && ["rtp", "rtcp"].contains($0["protocol"] as? String ?? "") }, "\(callee)")
        let caller = streams.filter { ($0["src"] as? String) == "192.0.2.10:40000" }
        #expect(caller.first?["authenticated"] as? Int == 499)
        let notes = Self.diagnostics(report, code: "decrypt.negotiated-clear")
        #expect(!notes.isEmpty)
    }
}
