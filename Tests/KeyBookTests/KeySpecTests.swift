import Datagrams
import Signalling
import Testing
import Transforms

@testable import KeyBook

struct KeySpecTests {
    /// Key‖salt 0x00 0x01 … 0x1d, written as hex.
    static let hex30 = (0..<30).map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    static let bytes30 = (0..<30).map { UInt8($0) }

    @Test("SDP form, also pasted with a=crypto: and tag, several key-params with MKIs and session params")
    func sdpForm() throws {
        let a = try KeySpec.parse(
            "AES_CM_128_HMAC_SHA1_80 inline:\(keyA)|2^20|1:4;inline:\(keyB)|2^20|2:4 KDR=3", position: 1)
        #expect(a.count == 2)
        #expect(a.map(\.mki) == [KeyEntry.MKI(value: 1, length: 4), KeyEntry.MKI(value: 2, length: 4)])
        #expect(a.first?.keySalt == SDESBase64.decode(keyA))
        #expect(a.first?.params == ["KDR=3"])
        #expect(a.first?.keyDerivationRate == 8)
        #expect(Set(a.map(\.group)).count == 1)
        let b = try KeySpec.parse("a=crypto:1 AES_256_CM_HMAC_SHA1_32 inline:\(key46)", position: 2)
        #expect(b.first?.suite == .aes256CMHMACSHA1_32)
        #expect(b.first?.source == .commandLine(2))
    }

    @Test("key‖salt in hex (with or without 0x) or base64, suite default or given as a prefix")
    func material() throws {
        let hex = try KeySpec.parse(Self.hex30, position: 1)
        #expect(hex.first?.keySalt == Self.bytes30)
        #expect(hex.first?.suite == .aesCM128HMACSHA1_80)
        let hex0x = try KeySpec.parse("0x" + Self.hex30.uppercased(), position: 1)
        #expect(hex0x.first?.keySalt == Self.bytes30)
        let b64 = try KeySpec.parse(keyA, position: 1)
        #expect(b64.first?.keySalt == SDESBase64.decode(keyA))
        let prefixed = try KeySpec.parse("AES_CM_128_HMAC_SHA1_32:" + Self.hex30, position: 1)
        #expect(prefixed.first?.suite == .aesCM128HMACSHA1_32)
        #expect(prefixed.first?.masterKey?.key == Array(Self.bytes30.prefix(16)))
        let gcm = try KeySpec.parse("AEAD_AES_128_GCM:0x" + String(Self.hex30.prefix(56)), position: 1)
        #expect(gcm.first?.masterKey?.salt.count == 12)
    }

    @Test("keys as logs and terminals paste them: line breaks, CR, colon or spaced hex, crypto: without a=, no inline:, DTLS profile names")
    func pasted() throws {
        let bytes = Self.bytes30
        let colonHex = stride(from: 0, to: Self.hex30.count, by: 2).map {
            String(Self.hex30.dropFirst($0).prefix(2))
        }
        let forms: [(String, SRTPSuite)] = [
            ("AES_CM_128_HMAC_SHA1_80 inline:\(keyA)\n", .aesCM128HMACSHA1_80),
            ("AES_CM_128_HMAC_SHA1_32 inline:\(keyA)\r\n", .aesCM128HMACSHA1_32),
            ("AES_CM_128_HMAC_SHA1_80\ninline:\(keyA)", .aesCM128HMACSHA1_80),
            ("crypto:1 AES_CM_128_HMAC_SHA1_32 inline:\(keyA)", .aesCM128HMACSHA1_32),
            ("AES_CM_128_HMAC_SHA1_80 \(keyA)|2^31", .aesCM128HMACSHA1_80),
            ("SRTP_AES128_CM_HMAC_SHA1_32 \(keyA)", .aesCM128HMACSHA1_32),
        ]
        for (spec, suite) in forms {
            let e = try KeySpec.parse(spec, position: 1)
            #expect(e.first?.keySalt == SDESBase64.decode(keyA) && e.first?.suite == suite, "\(spec)")
        }
        #expect(try KeySpec.parse("AES_CM_128_HMAC_SHA1_80 \(keyA)|2^31", position: 1).first?.lifetimePackets == 1 << 31)
        let colon = try KeySpec.parse(colonHex.joined(separator: ":"), position: 1)
        #expect(colon.first?.keySalt == bytes)
        let spaced = try KeySpec.parse("AES_CM_128_HMAC_SHA1_80 " + colonHex.joined(separator: " ") + " ssrc=0x10", position: 1)
        #expect(spaced.first?.keySalt == bytes && spaced.first?.scope.ssrcs == [16])
        let tagged = try KeySpec.parse("10 " + colonHex.joined(separator: " "), position: 1)
        #expect(tagged.first?.keySalt == bytes)
        let prefixedParam = try KeySpec.parse("AES_CM_128_HMAC_SHA1_32:\(keyA)|2^20|1:4", position: 1)
        #expect(prefixedParam.first?.suite == .aesCM128HMACSHA1_32 && prefixedParam.first?.mki == KeyEntry.MKI(value: 1, length: 4))
        // Still refused: a tag and two short fields are not a hex dump.
        #expect(throws: KeyInputError.self) { _ = try KeySpec.parse("69 20 6b", position: 1) }
    }

    @Test("key and salt apart, with MKI and lifetime, and a scope")
    func apart() throws {
        let e = try KeySpec.parse(
            "key=\(Self.hex30.prefix(32)) salt=\(Self.hex30.suffix(28)) mki=7:2 lifetime=2^31 ssrc=0x1234abcd addr=192.0.2.1:4000 ssrc=42",
            position: 3)
        #expect(e.count == 1)
        #expect(e.first?.keySalt == Self.bytes30)
        #expect(e.first?.mki?.bytes == [0, 7])
        #expect(e.first?.lifetimePackets == 1 << 31)
        #expect(e.first?.scope.ssrcs == [0x1234_ABCD, 42])
        #expect(e.first?.scope.addresses == [Endpoint(IPAddress("192.0.2.1") ?? IPAddress(v4: 0), 4000)])
    }

    @Test(
        "invalid specs name the option, the position and the problem",
        arguments: [
            ("", "empty"),
            ("AES_CM_999 \(keyA)", "unknown suite"),
            ("AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9", "suite needs 30"),
            ("0x0011", "2 bytes, the suite needs 30; no suite was named, so the default AES_CM_128_HMAC_SHA1_80"),
            // A pasted AES-256 key‖salt (46 bytes) without its suite is pointed to the suites it fits.
            ("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d",
             "92 hex digits (46 bytes), the suite needs 30 bytes (60 hex digits); no suite was named, so the default AES_CM_128_HMAC_SHA1_80; 46 bytes fit AES_256_CM_HMAC_SHA1_80 or AES_256_CM_HMAC_SHA1_32: name it before the key, as AES_256_CM_HMAC_SHA1_80:KEY"),
            ("AEAD_AES_256_GCM:ZxIX5KfejWlyEBca36bgH6T8+dWDqXYR6V3SzOAiumuWr8EdXAaQP+PE2htMkA==",
             "46 bytes, the suite needs 44; 46 bytes fit AES_256_CM_HMAC_SHA1_80 or AES_256_CM_HMAC_SHA1_32"),
            ("AES_256_CM_HMAC_SHA1_80:0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b", "28 bytes, the suite needs 46; 28 bytes fit AEAD_AES_128_GCM:"),
            ("0011", "4 hex digits (2 bytes), the suite needs 30 bytes"),
            ("not*base64*at*all", "neither 60 hex digits nor base64"),
            ("key=\(String(repeating: "00", count: 16))", "key= given without salt="),
            ("\(keyA) \(keyB)", "key material given twice"),
            ("\(keyA) ssrc=0x1g", "ssrc=0x1g is not a 32-bit number"),
            ("\(keyA) addr=2001:db8::1:5004", "is not IP:PORT"),
            ("\(keyA) colour=blue", "unknown name colour="),
            ("\(keyA) mki=1:9", "mki=1:9"),
            ("inline:\(keyA) \(keyB)", "one way only"),
        ])
    func invalid(spec: String, expected: String) {
        #expect {
            _ = try KeySpec.parse(spec, position: 4)
        } throws: { error in
            guard let e = error as? KeyInputError else { return false }
            return e.option == "--key" && e.position.hasPrefix("#4") && e.message.contains(expected)
                && e.description.hasPrefix("--key #4")
        }
    }

    @Test("endpoint text: IPv4 and bracketed IPv6")
    func endpoints() {
        #expect(EndpointText.parse("192.0.2.1:5060")?.description == "192.0.2.1:5060")
        #expect(EndpointText.parse("[2001:db8::1]:5060")?.description == "[2001:db8::1]:5060")
        #expect(EndpointText.parse("2001:db8::1:5060") == nil)
        #expect(EndpointText.parse("192.0.2.1:70000") == nil)
        #expect(EndpointText.parse("host.example:5060") == nil)
    }
}
