import Capture
import Foundation
import Testing

@testable import Signalling

@Suite struct SDESCryptoTests {
    private func parse(_ value: String, kind: SDESCryptoAttribute.Kind = .crypto) -> (
        SDESCryptoAttribute?, [Diagnostic]
    ) {
        var sink = DiagnosticSink()
        let c = SDESCryptoParser.parse(value[...], kind: kind, line: 7, sink: &sink)
        return (c, sink.all)
    }

    private static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    // MARK: - RFC 4568 lines from /work/shared/vectors/vectors.json (type sdes_crypto_line).

    /// The vectors file sits next to the repository (`../shared/vectors/vectors.json`); the test is
    /// skipped when it is absent, e.g. in a clone outside the project's workspace.
    static let vectorsURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/vectors/vectors.json")

    static func sdesVectors() -> [[String: Any]] {
        guard let data = try? Data(contentsOf: vectorsURL),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let vectors = root["vectors"] as? [[String: Any]]
        else { return [] }
        return vectors.filter { ($0["type"] as? String) == "sdes_crypto_line" }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: vectorsURL.path), "needs ../shared/vectors/vectors.json"))
    func vectorsFromVectorsJSON() throws {
        let vectors = Self.sdesVectors()
        #expect(vectors.count >= 5)
        for v in vectors {
            let id = v["id"] as? String ?? "?"
            let inputs = try #require(v["inputs"] as? [String: Any])
            let expected = try #require(v["expected"] as? [String: Any])
            let line = try #require(inputs["line"] as? String)
            let (parsed, diagnostics) = parse(line)
            let c = try #require(parsed, "\(id)")
            #expect(Int(c.tag) == expected["tag"] as? Int, "\(id)")
            #expect(c.suiteName == expected["suite"] as? String, "\(id)")
            let keyParams = try #require(expected["key_params"] as? [[String: Any]])
            #expect(c.keyParams.count == keyParams.count, "\(id)")
            for (got, want) in zip(c.keyParams, keyParams) {
                let suite = try #require(c.suite)
                let split = try #require(got.split(for: suite), "\(id)")
                #expect(got.keySaltBase64 == want["inline"] as? String, "\(id)")
                #expect(Self.hex(got.keySalt ?? []) == want["key_salt_hex"] as? String, "\(id)")
                #expect(Self.hex(split.key) == want["master_key"] as? String, "\(id)")
                #expect(Self.hex(split.salt) == want["master_salt"] as? String, "\(id)")
                #expect(got.lifetime?.text == want["lifetime"] as? String, "\(id)")
                #expect(got.lifetime?.packets.map(Int.init) == want["lifetime_packets"] as? Int, "\(id)")
                #expect(got.mki?.value.map(Int.init) == want["mki_value"] as? Int, "\(id)")
                #expect(got.mki?.length == want["mki_length"] as? Int, "\(id)")
            }
            let sessionParams = try #require(expected["session_params"] as? [String])
            #expect(c.sessionParams.count == sessionParams.count, "\(id)")
            // An MKI longer than 4 bytes is legal but diagnosed; nothing else is wrong in these lines.
            let longMKI = c.keyParams.contains { ($0.mki?.length ?? 0) > 4 }
            #expect(diagnostics.map(\.code) == (longMKI ? [SignallingCode.cryptoMKI] : []), "\(id): \(diagnostics)")
        }
    }

    // MARK: - Validation

    @Test func keyLengthPerSuite() {
        // 28 bytes (38 base64 chars + "==") where the suite needs 30.
        let short = Base64.encode([UInt8](repeating: 7, count: 28))
        let (c, d) = parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(short)")
        #expect(c?.keyParams.first?.keySalt?.count == 28)
        #expect(d.map(\.code) == [SignallingCode.cryptoKeyLength])
        #expect(
            d.first?.description
                == "SDP line 7 a=crypto tag 1: key is 28 bytes, suite needs 30 (16-byte key + 14-byte salt)")

        let table: [(String, Int)] = [
            ("AES_CM_128_HMAC_SHA1_80", 30), ("AES_CM_128_HMAC_SHA1_32", 30), ("F8_128_HMAC_SHA1_80", 30),
            ("AES_192_CM_HMAC_SHA1_80", 38), ("AES_192_CM_HMAC_SHA1_32", 38), ("AES_256_CM_HMAC_SHA1_80", 46),
            ("AES_256_CM_HMAC_SHA1_32", 46), ("AEAD_AES_128_GCM", 28), ("AEAD_AES_256_GCM", 44),
            ("NULL_HMAC_SHA1_80", 30), ("NULL_HMAC_SHA1_32", 30),
        ]
        for (suite, length) in table {
            let ok = parse("3 \(suite) inline:\(Base64.encode([UInt8](repeating: 1, count: length)))")
            #expect(ok.1.isEmpty, "\(suite): \(ok.1)")
            #expect(ok.0?.suite?.keySaltLength == length)
            let bad = parse("3 \(suite) inline:\(Base64.encode([UInt8](repeating: 1, count: length + 1)))")
            #expect(bad.1.map(\.code) == [SignallingCode.cryptoKeyLength], "\(suite)")
        }
    }

    @Test func aliasAndUnknownSuites() {
        let key46 = Base64.encode([UInt8](repeating: 2, count: 46))
        let alias = parse("1 AES_CM_256_HMAC_SHA1_80 inline:\(key46)")
        #expect(alias.0?.suite?.name == "AES_256_CM_HMAC_SHA1_80")
        #expect(alias.1.map(\.severity) == [.note])
        let unknown = parse("1 SEED_CTR_128_HMAC_SHA1_80 inline:\(key46)")
        #expect(unknown.0?.suite == nil && unknown.0?.keyParams.first?.keySalt?.count == 46)
        #expect(unknown.1.map(\.code) == [SignallingCode.cryptoSuite])
    }

    @Test func base64Errors() {
        let (c, d) = parse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPy*jNWhcYD0mXXtxaVBR")
        #expect(c?.keyParams.first?.keySalt == nil)
        #expect(d.map(\.code) == [SignallingCode.cryptoBase64])
        #expect(d.first?.message.contains("offset 22") == true)
        #expect(parse("1 AES_CM_128_HMAC_SHA1_80 inline:A").1.map(\.code) == [SignallingCode.cryptoBase64])
        #expect(parse("1 AES_CM_128_HMAC_SHA1_80 inline:AB=C").1.map(\.code) == [SignallingCode.cryptoBase64])
        #expect(parse("1 AES_CM_128_HMAC_SHA1_80 inline:").1.map(\.code) == [SignallingCode.cryptoBase64])
    }

    @Test func lifetimes() {
        let key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
        let cases: [(String, UInt64?, [String])] = [
            ("2^20", 1 << 20, []), ("1048576", 1_048_576, []), ("2^48", 1 << 48, []),
            ("2^99", nil, [SignallingCode.cryptoLifetime]), ("2^49", 1 << 49, [SignallingCode.cryptoLifetime]),
            ("2^x", nil, [SignallingCode.cryptoLifetime]), ("-5", nil, [SignallingCode.cryptoLifetime]),
            ("0", 0, [SignallingCode.cryptoLifetime]),
            ("99999999999999999999999", nil, [SignallingCode.cryptoLifetime]),
        ]
        for (text, packets, codes) in cases {
            let (c, d) = parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|\(text)")
            #expect(c?.keyParams.first?.lifetime?.packets == packets, "\(text)")
            #expect(d.map(\.code) == codes, "\(text): \(d)")
        }
        let d99 = parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^99").1
        #expect(
            d99.first?.description
                == "SDP line 7 a=crypto tag 1: lifetime 2^99 exceeds the SRTP maximum of 2^48 packets (RFC 3711 §9.2)")
    }

    @Test func mkis() {
        let key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
        let cases: [(String, Int?, [UInt8]?, [String])] = [
            ("1:1", 1, [1], []), ("1066:4", 4, [0, 0, 4, 42], []), ("255:1", 1, [255], []),
            ("256:1", 1, nil, [SignallingCode.cryptoMKI]),  // value does not fit
            ("1:0", 0, nil, [SignallingCode.cryptoMKI]), ("1:200", 200, nil, [SignallingCode.cryptoMKI]),
            ("1:128", 128, [UInt8](repeating: 0, count: 127) + [1], [SignallingCode.cryptoMKI]),  // legal, but > 4 is diagnosed
            ("1:5", 5, [0, 0, 0, 0, 1], [SignallingCode.cryptoMKI]),
            ("x:4", nil, nil, [SignallingCode.cryptoMKI]), ("1:", nil, nil, [SignallingCode.cryptoMKI]),
            ("1:1000", nil, nil, [SignallingCode.cryptoMKI]),
        ]
        for (text, length, bytes, codes) in cases {
            let (c, d) = parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^20|\(text)")
            #expect(c?.keyParams.first?.mki?.length == length, "\(text)")
            #expect(c?.keyParams.first?.mki?.bytes == bytes, "\(text)")
            #expect(d.map(\.code) == codes, "\(text): \(d)")
        }
        // MKI without lifetime, and field order errors.
        #expect(parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|1:4").0?.keyParams.first?.lifetime == nil)
        #expect(
            parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|1:4|2^20").1.map(\.code) == [SignallingCode.cryptoSyntax])
        #expect(parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|1:4|2:4").1.map(\.code) == [SignallingCode.cryptoSyntax])
    }

    @Test func sessionParameters() throws {
        let key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
        let (c, d) = parse(
            "1 AES_CM_128_HMAC_SHA1_80 inline:\(key) KDR=23 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP FEC_ORDER=SRTP_FEC FEC_KEY=inline:\(key)|2^20|1:4 WSH=128 -FUTURE=1"
        )
        let params = try #require(c?.sessionParams)
        #expect(params.count == 8)
        #expect(params[0] == .kdr(23))
        #expect(params[1] == .unencryptedSRTP && params[2] == .unencryptedSRTCP && params[3] == .unauthenticatedSRTP)
        #expect(params[4] == .fecOrder("SRTP_FEC"))
        if case .fecKey(let keys) = params[5] {
            #expect(keys.first?.keySalt?.count == 30 && keys.first?.mki?.length == 4)
        } else {
            Issue.record("FEC_KEY not read: \(params[5])")
        }
        #expect(params[6] == .windowSizeHint(128))
        #expect(params[7] == .unknown("-FUTURE=1"))
        #expect(d.map(\.severity) == [.note], "only the unknown parameter is noted: \(d)")

        let bad = parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(key) KDR=25 WSH=10 FEC_ORDER=BOTH UNENCRYPTED_SRTP=1 KDR")
        #expect(bad.1.map(\.code) == Array(repeating: SignallingCode.cryptoSessionParam, count: 5))
    }

    @Test func syntaxErrors() {
        #expect(parse("").0 == nil)
        #expect(parse("x AES_CM_128_HMAC_SHA1_80 inline:abcd").1.map(\.code) == [SignallingCode.cryptoSyntax])
        #expect(parse("1234567890 AES_CM_128_HMAC_SHA1_80 inline:abcd").0 == nil, "tag is at most 9 digits")
        #expect(parse("1 AES_CM_128_HMAC_SHA1_80").1.map(\.code) == [SignallingCode.cryptoSyntax])
        let noMethod = parse("1 AES_CM_128_HMAC_SHA1_80 PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
        #expect(noMethod.0?.keyParams.isEmpty == true)
        #expect(noMethod.1.map(\.code) == [SignallingCode.cryptoSyntax])
        let otherMethod = parse("1 AES_CM_128_HMAC_SHA1_80 uri:https://example.com/key")
        #expect(otherMethod.0?.keyParams.first?.method == "uri" && otherMethod.0?.keyParams.first?.keySalt == nil)
    }

    @Test func cryptoscaleRole() {
        let line = "1 server AES_CM_128_HMAC_SHA1_80 inline:3t+Jui/n92LdFt7lBWOYUC1wUg52ub4HAW4PzdDl|2^31|1:1"
        let (c, d) = parse(line, kind: .cryptoscale)
        #expect(c?.role == "server")
        #expect(c?.keyParams.first?.mki?.bytes == [1])
        #expect(d.map(\.code) == [SignallingCode.cryptoSyntax])
        #expect(d.first?.field == "SDP line 7 a=cryptoscale tag 1")
    }

    @Test func duplicateTagsInOneMedia() {
        let key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
        let sdp =
            "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 5000 RTP/SAVP 0\na=cryptoscale:1 client AES_CM_128_HMAC_SHA1_80 inline:\(key)\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(key)\n"
        let r = SDPParser.parse(Array(sdp.utf8))
        #expect(r.diagnostics.map(\.code) == [SignallingCode.cryptoDuplicateTag])
        #expect(r.description.media[0].security.crypto.count == 2, "both kept; the answer decides")
    }

    @Test func base64RoundTrip() {
        for n in 0..<50 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect((try? Base64.decode(Base64.encode(bytes)).get()) == bytes)
            let unpadded = Base64.encode(bytes).filter { $0 != "=" }
            #expect((try? Base64.decode(unpadded).get()) == bytes)
        }
        // RFC 4648 §10 test vectors.
        for (plain, encoded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
        }
    }
}
