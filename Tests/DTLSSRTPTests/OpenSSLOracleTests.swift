import Analysis
import DTLSSRTP
import Datagrams
import Foundation
import KeyBook
import SRTPDump
import Synth
import TestSupport
import Testing
import Transforms

/// Real DTLS-SRTP handshakes made by the `openssl` command-line tool over loopback, through a
/// recording UDP relay, so that OpenSSL, not our code, states the keying material
/// (`-keymatexport EXTRACTOR-dtls_srtp`) and writes the key log (`-keylogfile`). The recorded
/// datagrams become a capture; SRTP and SRTCP protected by libsrtp with OpenSSL's keys are appended on
/// the same 5-tuple; srtpdump must derive the same keys from the key log and authenticate every packet.
@Suite(
    .serialized,
    .enabled(
        if: OpenSSLCLI.path != nil, "the openssl command-line tool is not installed: DTLS-SRTP oracle tests skipped"))
struct OpenSSLOracleTests {
    struct Case: CustomStringConvertible, Sendable {
        var profile: String  // OpenSSL's -use_srtp name
        var suite: CryptoSuite
        var version: String  // -dtls1_2 or -dtls1
        var cipher: String
        var description: String { "\(profile) \(version) \(cipher)" }
    }

    static let cases: [Case] = [
        Case(
            profile: "SRTP_AES128_CM_SHA1_80", suite: .aesCM128HMACSHA180, version: "-dtls1_2",
            cipher: "ECDHE-ECDSA-AES128-GCM-SHA256"),
        Case(
            profile: "SRTP_AES128_CM_SHA1_32", suite: .aesCM128HMACSHA132, version: "-dtls1_2",
            cipher: "ECDHE-ECDSA-AES256-GCM-SHA384"),
        Case(
            profile: "SRTP_AEAD_AES_128_GCM", suite: .aeadAES128GCM, version: "-dtls1_2",
            cipher: "ECDHE-ECDSA-CHACHA20-POLY1305"),
        Case(
            profile: "SRTP_AEAD_AES_256_GCM", suite: .aeadAES256GCM, version: "-dtls1_2",
            cipher: "ECDHE-ECDSA-AES256-SHA384"),
        // DTLS 1.0 (TLS 1.0 PRF): OpenSSL 3 allows it only at security level 0.
        Case(
            profile: "SRTP_AES128_CM_SHA1_80", suite: .aesCM128HMACSHA180, version: "-dtls1",
            cipher: "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"),
    ]

    static let client = Datagrams.Endpoint(IPAddress("192.0.2.1")!, 50_000)
    static let turnServer = Datagrams.Endpoint(IPAddress("203.0.113.5")!, 3_478)
    static let server = Datagrams.Endpoint(IPAddress("192.0.2.2")!, 50_002)

    @Test(arguments: cases) func keysFromKeyLogDecrypt(_ c: Case) throws {
        let run = try OpenSSLCLI.handshake(c)
        defer { try? FileManager.default.removeItem(atPath: run.directory) }
        let material = run.material
        let profile = try #require(SRTPProtectionProfile.named(c.profile))
        #expect(material.count == profile.materialLength)
        // RFC 5764 §4.2 layout, sliced here by hand from OpenSSL's output.
        let k = c.suite.masterKeyLength
        let s = c.suite.masterSaltLength
        let clientKeySalt = Array(material[0..<k] + material[(2 * k)..<(2 * k + s)])
        let serverKeySalt = Array(material[k..<(2 * k)] + material[(2 * k + s)..<(2 * k + 2 * s)])

        let capture = run.directory + "/dtls.pcap"
        let counts = try Self.writeCapture(
            capture, handshake: run.datagrams, suite: c.suite, clientKeySalt: clientKeySalt,
            serverKeySalt: serverKeySalt)

        // srtpdump's side: the key log and the capture, nothing else.
        // openssl writes its key log readable by everyone; srtpdump would rightly warn (issue 7).
        #expect(chmod(run.keyLog, 0o600) == 0)
        var signalling = SignallingPipeline.Options(capturePath: capture)
        signalling.inputs.tlsKeyLogs = [run.keyLog]
        let result = try SignallingPipeline(options: signalling).run()
        let dtls = result.book.entries.filter { $0.attribute == .dtlsSRTP }
        #expect(dtls.count == 2)
        #expect(dtls.first { $0.sender == Self.client }?.keySalt == clientKeySalt)
        #expect(dtls.first { $0.sender == Self.server }?.keySalt == serverKeySalt)
        #expect(dtls.allSatisfy { $0.suite == c.suite.suite })
        let h = try #require(result.dtlsHandshakes.first)
        #expect(result.dtlsHandshakes.count == 1)
        #expect(h.client == Self.client && h.profile == profile)
        #expect(h.version == (c.version == "-dtls1" ? 0xFEFF : 0xFEFD))
        #expect(h.serverCertificate != nil)
        #expect(h.keySource?.contains("--tls-keylog") == true)
        #expect(!result.diagnostics.contains { $0.severity != .note }, "\(result.diagnostics)")

        var options = DecryptPipeline.Options(capturePath: capture)
        options.keys = KeyBookCandidates(book: result.book)
        options.progress = false
        let summary = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        let srtp = summary.streams.filter { $0.protocolName == "srtp" }
        let srtcp = summary.streams.filter { $0.protocolName == "srtcp" }
        #expect(srtp.reduce(0) { $0 + $1.authenticated } == counts.rtp)
        #expect(srtcp.reduce(0) { $0 + $1.authenticated } == counts.rtcp)
        #expect(summary.streams.allSatisfy { $0.authFailed == 0 })
        #expect(summary.streams.allSatisfy { $0.key?.source.hasPrefix("DTLS handshake frame") == true })
        #expect(summary.exitStatus == .success)
    }

    /// The same handshake without its key-log line: the keys cannot be derived, and srtpdump says so;
    /// a key log for a handshake the capture does not hold is reported as well.
    @Test func keyLogOfAnotherHandshake() throws {
        let a = try OpenSSLCLI.handshake(Self.cases[0])
        let b = try OpenSSLCLI.handshake(Self.cases[0])
        defer {
            try? FileManager.default.removeItem(atPath: a.directory)
            try? FileManager.default.removeItem(atPath: b.directory)
        }
        let capture = a.directory + "/dtls.pcap"
        _ = try Self.writeCapture(
            capture, handshake: a.datagrams, suite: .aesCM128HMACSHA180, clientKeySalt: [], serverKeySalt: [])
        var signalling = SignallingPipeline.Options(capturePath: capture)
        signalling.inputs.tlsKeyLogs = [b.keyLog]
        let result = try SignallingPipeline(options: signalling).run()
        #expect(result.book.entries.isEmpty)
        #expect(result.diagnostics.contains { $0.code == DTLSCode.noSecret })
        #expect(
            result.diagnostics.contains {
                $0.code == DTLSCode.handshakeMissing && $0.field?.hasSuffix("line 2") == true
            })
    }

    /// The same through a TURN relay: handshake and media in ChannelData; the keys bind to the TURN
    /// 5-tuple and every packet must still authenticate.
    @Test func throughTURNChannelData() throws {
        try Self.checkRelayed(turnChannel: 0x4001, turnIndications: false)
    }

    /// Through a TURN relay with no channel bound: handshake and media in Send and Data indications;
    /// the keys bind to the TURN 5-tuple and every packet must still authenticate.
    @Test func throughTURNSendAndDataIndications() throws {
        try Self.checkRelayed(turnChannel: nil, turnIndications: true)
    }

    /// A real handshake relayed as asked, then SRTP/SRTCP under its keys: both keys found from the key
    /// log, the handshake's server is the relay, and every packet authenticates.
    static func checkRelayed(turnChannel: UInt16?, turnIndications: Bool) throws {
        let run = try OpenSSLCLI.handshake(Self.cases[0])
        defer { try? FileManager.default.removeItem(atPath: run.directory) }
        let m = run.material
        let capture = run.directory + "/turn.pcap"
        let counts = try Self.writeCapture(
            capture, handshake: run.datagrams, suite: .aesCM128HMACSHA180,
            clientKeySalt: Array(m[0..<16] + m[32..<46]), serverKeySalt: Array(m[16..<32] + m[46..<60]),
            turnChannel: turnChannel, turnIndications: turnIndications)
        var signalling = SignallingPipeline.Options(capturePath: capture)
        signalling.inputs.tlsKeyLogs = [run.keyLog]
        let result = try SignallingPipeline(options: signalling).run()
        #expect(result.book.entries.filter { $0.attribute == .dtlsSRTP }.count == 2)
        #expect(result.dtlsHandshakes.first?.server == Self.turnServer)
        var options = DecryptPipeline.Options(capturePath: capture)
        options.keys = KeyBookCandidates(book: result.book)
        options.progress = false
        let summary = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        #expect(summary.streams.filter { $0.protocolName == "srtp" }.reduce(0) { $0 + $1.authenticated } == counts.rtp)
        #expect(
            summary.streams.filter { $0.protocolName == "srtcp" }.reduce(0) { $0 + $1.authenticated } == counts.rtcp)
        #expect(summary.streams.allSatisfy { $0.authFailed == 0 })
    }

    /// The server certificate's SHA-256 (as `openssl x509 -fingerprint` states it) against the SDP's
    /// a=fingerprint: a match names the call, a mismatch is a warning naming both.
    @Test func certificateFingerprintAgainstSDP() throws {
        let run = try OpenSSLCLI.handshake(Self.cases[0])
        defer { try? FileManager.default.removeItem(atPath: run.directory) }
        let capture = run.directory + "/dtls.pcap"
        _ = try Self.writeCapture(
            capture, handshake: run.datagrams, suite: .aesCM128HMACSHA180, clientKeySalt: [], serverKeySalt: [])
        let fingerprint = try OpenSSLCLI.fingerprint(run.directory + "/cert.pem")
        func sdp(_ fp: String) -> String {
            """
            v=0
            o=- 1 1 IN IP4 192.0.2.1
            s=-
            c=IN IP4 192.0.2.1
            t=0 0
            m=audio 50000 UDP/TLS/RTP/SAVP 0
            a=setup:actpass
            a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF
            v=0
            o=- 2 1 IN IP4 192.0.2.2
            s=-
            c=IN IP4 192.0.2.2
            t=0 0
            m=audio 50002 UDP/TLS/RTP/SAVP 0
            a=setup:passive
            a=fingerprint:sha-256 \(fp)

            """
        }
        for (fp, matches) in [(fingerprint, true), (String(fingerprint.reversed()), false)] {
            let file = run.directory + "/sdp-\(matches).txt"
            try sdp(fp).write(toFile: file, atomically: true, encoding: .utf8)
            var signalling = SignallingPipeline.Options(capturePath: capture)
            signalling.inputs.signallingFiles = [file]
            let result = try SignallingPipeline(options: signalling).run()
            let h = try #require(result.dtlsHandshakes.first)
            let mismatch = result.diagnostics.filter { $0.code == DTLSCode.fingerprint }
            if matches {
                #expect(h.callID?.hasPrefix("signalling-file:") == true)
                #expect(mismatch.isEmpty)
                // With the key log too, the derived keys are listed with the call.
                signalling.inputs.tlsKeyLogs = [run.keyLog]
                let keyed = try SignallingPipeline(options: signalling).run()
                let dtls = keyed.book.entries.filter { $0.attribute == .dtlsSRTP }
                #expect(dtls.count == 2 && dtls.allSatisfy { $0.callID == h.callID })
            } else {
                #expect(h.callID == nil)
                #expect(mismatch.count == 1)
                #expect(mismatch.first?.message.contains(fingerprint) == true)
                #expect(mismatch.first?.message.contains("server 192.0.2.2:50002") == true)
            }
        }
    }

    /// The handshake datagrams, then `rtpPackets` SRTP packets and a few SRTCP each way, protected by
    /// libsrtp with the client's key (client → server) and the server's (server → client).
    static func writeCapture(
        _ path: String, handshake: [UDPRelay.Datagram], suite: CryptoSuite, clientKeySalt: [UInt8],
        serverKeySalt: [UInt8], rtpPackets: Int = 40, turnChannel: UInt16? = nil, turnIndications: Bool = false
    ) throws -> (rtp: Int, rtcp: Int) {
        let writer = try CaptureWriter(path: path, format: .pcap, interfaces: [CaptureInterface(linkType: .raw)])
        var number = 0
        func write(_ from: Datagrams.Endpoint, _ to: Datagrams.Endpoint, _ inner: [UInt8]) throws {
            number += 1
            var from = from
            var to = to
            var payload = inner
            if let channel = turnChannel {
                // The server side sits behind a TURN relay: the capture sees client ⇄ relay, each
                // datagram in ChannelData (RFC 8656 §12.4), padded to 4 bytes.
                if from == server { from = turnServer } else { to = turnServer }
                payload = be16(channel) + be16(UInt16(inner.count)) + inner
                payload += [UInt8](repeating: 0, count: (4 - inner.count % 4) % 4)
            } else if turnIndications {
                // Relayed without a channel: client → relay in Send indications, relay → client in Data
                // indications (RFC 8656 §10, §11), XOR-PEER-ADDRESS naming the server, then DATA.
                let toRelay = from != server
                if toRelay { to = turnServer } else { from = turnServer }
                payload = stunIndication(method: toRelay ? 0x006 : 0x007, peer: server, data: inner, id: number)
            }
            let sf = Synth.Endpoint(address: from.address.bytes, port: from.port)
            let st = Synth.Endpoint(address: to.address.bytes, port: to.port)
            let packet = IPPacketBuilder.ip(
                source: sf.address, destination: st.address, proto: .udp, identification: UInt16(number),
                payload: IPPacketBuilder.udp(from: sf, to: st, payload: payload))
            try writer.write(
                Frame(
                    number: number,
                    timestamp: Timestamp(
                        seconds: 1_700_000_000 + Int64(number / 50), nanoseconds: UInt32(number % 50) * 20_000_000),
                    originalLength: packet.count, linkType: .raw, data: packet))
        }
        for d in handshake {
            try write(d.fromClient ? client : server, d.fromClient ? server : client, d.bytes)
        }
        var rtp = 0
        var rtcp = 0
        if !clientKeySalt.isEmpty {
            let sessions = try [clientKeySalt, serverKeySalt].map { ks in
                try LibsrtpSession(suite: suite, keys: [Synth.MasterKey(keyAndSalt: ks)])
            }
            let ssrcs: [UInt32] = [0x1111_2222, 0x3333_4444]
            for (i, s) in sessions.enumerated() { try s.addStream(ssrc: ssrcs[i]) }
            for n in 0..<rtpPackets {
                for side in 0..<2 {
                    let header: [UInt8] =
                        [0x80, 0x00] + be16(UInt16(1000 + n)) + be32(UInt32(160 * n)) + be32(ssrcs[side])
                    let payload = (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ n &+ side) }
                    let packet = try sessions[side].protect(header + payload, rtcp: false)
                    try write(side == 0 ? client : server, side == 0 ? server : client, packet)
                    rtp += 1
                    if n % 10 == 9 {
                        // A sender report (RFC 3550 §6.4.1) without report blocks.
                        let sr: [UInt8] = [0x80, 200, 0, 6] + be32(ssrcs[side]) + [UInt8](repeating: 0x42, count: 20)
                        try write(
                            side == 0 ? client : server, side == 0 ? server : client,
                            try sessions[side].protect(sr, rtcp: true))
                        rtcp += 1
                    }
                }
            }
        }
        try writer.close()
        return (rtp, rtcp)
    }

    /// A STUN indication (RFC 8489 §5: class bits 0b01 → type 0x0010 | method) with XOR-PEER-ADDRESS
    /// (RFC 8656 §18.3, IPv4) and DATA (§18.4, padded to 4 bytes).
    static func stunIndication(method: UInt16, peer: Datagrams.Endpoint, data: [UInt8], id: Int) -> [UInt8] {
        let cookie: UInt32 = 0x2112_A442
        let address = peer.address.bytes
        var xorAddress: [UInt8] = [0, 0x01] + be16(peer.port ^ UInt16(cookie >> 16))
        for i in 0..<4 { xorAddress.append(address[i] ^ UInt8(truncatingIfNeeded: cookie >> (24 - 8 * i))) }
        let pad = [UInt8](repeating: 0, count: (4 - data.count % 4) % 4)
        let attributes = be16(0x0012) + be16(8) + xorAddress + be16(0x0013) + be16(UInt16(data.count)) + data + pad
        let transaction = (0..<12).map { UInt8(truncatingIfNeeded: id &* 31 &+ $0) }
        return be16(0x0010 | method) + be16(UInt16(attributes.count)) + be32(cookie) + transaction + attributes
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xFFFF)) }
}

/// Runs `openssl s_server` and `s_client` (DTLS, use_srtp, key export, key log) through a `UDPRelay`.
enum OpenSSLCLI {
    static let path: String? = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    struct Run {
        var directory: String
        var datagrams: [UDPRelay.Datagram]
        var material: [UInt8]
        var keyLog: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func handshake(_ c: OpenSSLOracleTests.Case) throws -> Run {
        guard let openssl = path else { throw Failure(description: "no openssl") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dtls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // A throwaway ECDSA P-256 certificate.
        try exec(
            openssl,
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", "/CN=srtpdump-test", "-days", "1", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
            ])
        let length = SRTPProtectionProfile.named(c.profile)?.materialLength ?? 60
        let common = [
            c.version, "-cipher", c.cipher, "-use_srtp", c.profile, "-keymatexport", "EXTRACTOR-dtls_srtp",
            "-keymatexportlen", "\(length)",
        ]
        var lastError = ""
        // A port picked free may be taken in between: a few attempts.
        for _ in 0..<3 {
            guard let serverPort = UDPRelay.freePort(), let relay = UDPRelay(serverPort: serverPort) else {
                throw Failure(description: "cannot open UDP sockets on loopback")
            }
            let server = try start(
                openssl,
                [
                    "s_server", "-accept", "127.0.0.1:\(serverPort)", "-cert", dir + "/cert.pem",
                    "-key", dir + "/key.pem", "-naccept", "1", "-keylogfile", dir + "/server-keys.log",
                ] + common,
                output: dir + "/server.out")
            guard waitFor("ACCEPT", in: dir + "/server.out", seconds: 10) else {
                server.process.terminate()
                relay.stop()
                lastError =
                    "s_server did not start: "
                    + ((try? String(contentsOfFile: dir + "/server.out", encoding: .utf8)) ?? "")
                continue
            }
            let client = try start(
                openssl,
                [
                    "s_client", "-connect", "127.0.0.1:\(relay.port)",
                    "-keylogfile", dir + "/keys.log",
                ] + common, output: dir + "/client.out")
            let ok =
                waitFor("Keying material: ", in: dir + "/client.out", seconds: 20)
                && waitFor("Keying material: ", in: dir + "/server.out", seconds: 20)
            // Closing the client's input ends the connection (close_notify); s_server -naccept 1 then exits.
            try? client.input.fileHandleForWriting.close()
            wait(client.process, seconds: 5)
            try? server.input.fileHandleForWriting.close()
            wait(server.process, seconds: 5)
            relay.stop()
            guard ok else {
                lastError =
                    "no keying material: " + ((try? String(contentsOfFile: dir + "/client.out", encoding: .utf8)) ?? "")
                continue
            }
            let c1 = try materialLine(dir + "/client.out")
            let s1 = try materialLine(dir + "/server.out")
            guard c1 == s1 else { throw Failure(description: "client and server exported different material") }
            return Run(directory: dir, datagrams: relay.datagrams, material: c1, keyLog: dir + "/keys.log")
        }
        throw Failure(description: lastError)
    }

    /// `openssl x509 -fingerprint -sha256`: "sha256 Fingerprint=AB:CD:…" → "AB:CD:…".
    static func fingerprint(_ cert: String) throws -> String {
        guard let openssl = path else { throw Failure(description: "no openssl") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: openssl)
        p.arguments = ["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let eq = text.firstIndex(of: "=") else { throw Failure(description: "no fingerprint in \(text)") }
        return text[text.index(after: eq)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func materialLine(_ file: String) throws -> [UInt8] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("Keying material: ") }),
            let hex = line.split(separator: " ").last
        else { throw Failure(description: "no Keying material line in \(file)") }
        let bytes = Hex.bytes(String(hex))
        guard !bytes.isEmpty else { throw Failure(description: "unreadable keying material \(hex)") }
        return bytes
    }

    static func exec(_ tool: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Failure(description: "\(tool) \(args.first ?? "") failed") }
    }

    static func start(_ tool: String, _ args: [String], output: String) throws -> (process: Process, input: Pipe) {
        FileManager.default.createFile(atPath: output, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let input = Pipe()
        p.standardInput = input
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        p.standardOutput = out
        p.standardError = out
        try p.run()
        return (p, input)
    }

    static func waitFor(_ text: String, in file: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let s = try? String(contentsOfFile: file, encoding: .utf8), s.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    static func wait(_ p: Process, seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        // Reap it in every case: Foundation's Process keeps itself alive until its exit is collected
        // (LeakSanitizer reports every uncollected one under `make test-asan`).
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
    }
}
