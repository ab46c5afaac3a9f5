import Foundation
import Testing

/// The DTLS-SRTP key options through the binary, on the dsrtp public capture (counts and handshake
/// facts from ../shared/captures/public/README.md).
@Suite(.enabled(if: Paths.sharedPresent, "../shared/captures/public/ is absent: DTLS-SRTP CLI tests skipped"))
struct DTLSSRTPCLITests {
    static func temp(_ name: String, _ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let material =
        "780808778802be8ba54964c553d72cfa6b0100e46f6197a30f7c264bcd7963c6eed8a2c771bc1f6829ece1c5b180c45c4a115a9bd5da4fda28ba7b9c"

    /// The material bound to its flow: every packet authenticates with the key signalled for it.
    @Test func materialWithFlowDecrypts() throws {
        let file = try Self.temp(
            "m.txt",
            "SRTP_AES128_CM_HMAC_SHA1_80 \(Self.material) client=192.168.121.234:60401 server=192.168.121.234:49686\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try srtpdump(
            "streams", Paths.publicCapture("dsrtp-av.pcap").path, "--dtls-srtp-material", file, "--format", "json")
        #expect(r.status == 0, "\(r.errorText)")
        let object = try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any]
        let streams = object?["streams"] as? [[String: Any]] ?? []
        let authenticated = streams.reduce(0) { $0 + ($1["authenticated"] as? Int ?? 0) }
        #expect(authenticated == 1_729 + 45)
        #expect(streams.allSatisfy { ($0["auth_failed"] as? Int) == 0 })
        let bindings = Set(streams.compactMap { ($0["key"] as? [String: Any])?["binding"] as? String })
        #expect(bindings == ["signalled"], "\(bindings)")
        // The handshake says where its keys came from, not "not derived".
        let handshakes = object?["dtls_handshakes"] as? [[String: Any]] ?? []
        #expect(!handshakes.isEmpty)
        #expect(handshakes.allSatisfy { ($0["key_source"] as? String)?.hasPrefix("--dtls-srtp-material") == true }, "\(handshakes)")
    }

    @Test func materialThatDoesNotFit() throws {
        let file = try Self.temp("m.txt", "SRTP_AEAD_AES_256_GCM \(Self.material)\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let r = try srtpdump("keys", Paths.publicCapture("dsrtp-av.pcap").path, "--dtls-srtp-material", file)
        #expect(r.status == 64)
        #expect(r.errorText.contains("line 1: 60 bytes of keying material do not fit SRTP_AEAD_AES_256_GCM"))
    }

    @Test func callsListsTheHandshake() throws {
        let log = try Self.temp(
            "k.log",
            "CLIENT_RANDOM \(String(repeating: "00", count: 32)) \(String(repeating: "11", count: 48))\nCLIENT_RANDOM 12 34\n"
        )
        defer { try? FileManager.default.removeItem(atPath: log) }
        let r = try srtpdump("calls", Paths.publicCapture("dsrtp-av.pcap").path, "--tls-keylog", log)
        #expect(r.status == 0)
        #expect(r.text.contains("DTLS handshake 192.168.121.234:60401 → 192.168.121.234:49686, DTLS 1.0"))
        #expect(r.text.contains("use_srtp offered: SRTP_AES128_CM_HMAC_SHA1_80; chosen: SRTP_AES128_CM_HMAC_SHA1_80"))
        // The key log: a malformed line, no line for this handshake, a line for a handshake not captured.
        #expect(r.errorText.contains("line 2: CLIENT_RANDOM") || r.errorText.contains("line 2: client random"))
        #expect(r.errorText.contains("no CLIENT_RANDOM line"))
        #expect(r.errorText.contains("line 1: client random 0000"))

        // The same handshake in the JSON report, as tshark dissects it (dtls.handshake.type per frame).
        let j = try srtpdump("calls", Paths.publicCapture("dsrtp-av.pcap").path, "--format", "json")
        let json = try #require(try JSONSerialization.jsonObject(with: j.stdout) as? [String: Any])
        let handshakes = try #require(json["dtls_handshakes"] as? [[String: Any]])
        #expect(handshakes.count == 1)
        let h = try #require(handshakes.first)
        #expect(h["client"] as? String == "192.168.121.234:60401")
        #expect(h["server"] as? String == "192.168.121.234:49686")
        #expect(h["version"] as? String == "DTLS 1.0")
        #expect(h["profile"] as? String == "SRTP_AES128_CM_HMAC_SHA1_80")
        let messages = try #require(h["messages"] as? [[String: Any]])
        #expect(messages.first?["type"] as? String == "client_hello")
        #expect(messages.first?["from"] as? String == "client")
        #expect(messages.contains { $0["type"] as? String == "server_hello" && $0["from"] as? String == "server" })
    }

    /// `streams` reports the handshake beside the streams it keyed (text and JSON).
    @Test func streamsListsTheHandshake() throws {
        let capture = Paths.publicCapture("dsrtp-av.pcap").path
        let material = Paths.publicCapture("dsrtp-av_material.hex").path
        let t = try srtpdump("streams", capture, "--dtls-srtp-material", material)
        #expect(t.status == 0)
        #expect(t.text.contains("DTLS handshake 192.168.121.234:60401 → 192.168.121.234:49686, DTLS 1.0"))
        let j = try srtpdump("streams", capture, "--dtls-srtp-material", material, "--format", "json")
        let json = try #require(try JSONSerialization.jsonObject(with: j.stdout) as? [String: Any])
        let handshakes = try #require(json["dtls_handshakes"] as? [[String: Any]])
        #expect(handshakes.count == 1)
        #expect(handshakes.first?["profile"] as? String == "SRTP_AES128_CM_HMAC_SHA1_80")
        let streams = try #require(json["streams"] as? [[String: Any]])
        #expect(streams.reduce(0) { $0 + (($1["authenticated"] as? Int) ?? 0) } == 1729 + 30 + 15)
    }
}
