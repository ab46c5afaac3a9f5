// A scenario is input: every mistake gives a SynthesisError naming the field, never a crash.
import Foundation
import Testing
import Transforms

@testable import Synth

@Suite struct ScenarioValidationTests {
    static func base() -> Scenario {
        var s = Scenario(caller: .init(address: "192.0.2.10"), callee: .init(address: "198.51.100.20"))
        s.durationSeconds = 0.5
        return s
    }

    static let broken: [(String, @Sendable (inout Scenario) -> Void)] = [
        ("address", { $0.caller.address = "192.0.2" }),
        ("IPv6 syntax", { $0.callee.address = "2001:db8:::1" }),
        ("IP versions differ", { $0.callee.address = "2001:db8::20" }),
        ("key length", { $0.caller.crypto = [.init(tag: 1, suite: .aesCM128HMACSHA180, keys: [.init(key: "QUJD")])] }),
        (
            "key not base64",
            { $0.caller.crypto = [.init(tag: 1, suite: .aesCM128HMACSHA180, keys: [.init(key: "!!!!")])] }
        ),
        ("tag names no offer line", { $0.callee.crypto = [.init(tag: 9, suite: .aesCM128HMACSHA180)] }),
        ("suite differs", { $0.callee.crypto = [.init(tag: 1, suite: .aes256CMHMACSHA180)] }),
        (
            "two keys without MKI",
            { $0.caller.crypto = [.init(tag: 1, suite: .aesCM128HMACSHA180, keys: [.init(), .init()])] }
        ),
        (
            "MKI length",
            { $0.caller.crypto = [.init(tag: 1, suite: .aesCM128HMACSHA180, keys: [.init(mki: 1, mkiLength: 9)])] }
        ),
        (
            "MKI switch with one key",
            {
                $0.caller.media = {
                    var m = Scenario.MediaOptions()
                    m.mkiSwitchAt = 3
                    return m
                }()
            }
        ),
        ("codec", { $0.codec = "g729" }),
        ("provisional", { $0.provisional = 181 }),
        ("duration", { $0.durationSeconds = 1e12 }),
        ("duration NaN", { $0.durationSeconds = .nan }),
        ("RTCP interval", { $0.rtcpIntervalSeconds = 0 }),
        (
            "fragment MTU",
            {
                $0.fragmentMTU = 20
                $0.invitePadding = 500
            }
        ),
        ("NAT address", { $0.callee.natAddress = "203.0.113.7" }),
        ("TURN server", { $0.turn = .init(server: "nowhere", relayed: "203.0.113.50:1", channel: nil) }),
        ("TURN channel", { $0.turn = .init(server: "203.0.113.50:3478", relayed: "203.0.113.50:1", channel: 5) }),
        ("fork without 183", { $0.fork = .init(address: "198.51.100.30") }),
        ("rekey outside the media", { $0.rekeyAtSeconds = 0.1 }),
        ("RTPME on one side", { $0.caller.rtpme = .init() }),
        (
            "RTPME reading",
            {
                $0.caller.rtpme = .init(reading: "x")
                $0.callee.rtpme = .init()
            }
        ),
        (
            "cryptoscale suite",
            {
                $0.caller.crypto = [
                    {
                        var l = Scenario.CryptoLine(tag: 1, suite: .aes256CMHMACSHA180)
                        l.scale = true
                        return l
                    }()
                ]
            }
        ),
        (
            "KDR",
            {
                $0.caller.crypto = [
                    {
                        var l = Scenario.CryptoLine(tag: 1)
                        l.sessionParameters = ["KDR=99"]
                        return l
                    }()
                ]
            }
        ),
        (
            "UNAUTHENTICATED_SRTP with AEAD",
            {
                $0.caller.crypto = [
                    {
                        var l = Scenario.CryptoLine(tag: 1, suite: .aeadAES256GCM)
                        l.sessionParameters = ["UNAUTHENTICATED_SRTP"]
                        return l
                    }()
                ]
            }
        ),
        (
            "UNENCRYPTED_SRTP on cryptoscale",
            {
                $0.caller.crypto = [
                    {
                        var l = Scenario.CryptoLine(tag: 1, keys: [Scenario.KeySpec(mki: 1, mkiLength: 1)])
                        l.scale = true
                        l.sessionParameters = ["UNENCRYPTED_SRTP"]
                        return l
                    }()
                ]
            }
        ),
        ("negative XR interval", { $0.rtcpXREvery = -1 }),
        (
            "TURN with a fork",
            {
                $0.turn = .init(server: "203.0.113.50:3478", relayed: "203.0.113.50:49170", channel: nil)
                $0.provisional = 183
                $0.fork = .init(address: "198.51.100.30")
            }
        ),
        (
            "TURN server of the other IP version",
            { $0.turn = .init(server: "[2001:db8::50]:3478", relayed: "203.0.113.50:49170", channel: nil) }
        ),
    ]

    @Test(arguments: broken.indices)
    func brokenScenarioThrows(_ i: Int) {
        var s = Self.base()
        Self.broken[i].1(&s)
        #expect(throws: SynthesisError.self, "\(Self.broken[i].0)") {
            _ = try CallSynthesizer.synthesize(s, captureName: "x.pcap")
        }
    }

    @Test func baseScenarioWorks() throws {
        let capture = try CallSynthesizer.synthesize(Self.base(), captureName: "x.pcap")
        #expect(capture.frames.count > 20)
    }

    @Test func scenarioJSONRoundTrips() throws {
        let data = try #require(
            FileManager.default.contents(atPath: Corpus.scenarios.appendingPathComponent("impairments-sll.json").path))
        let s = try JSONDecoder().decode(Scenario.self, from: data)
        #expect(try JSONDecoder().decode(Scenario.self, from: JSONEncoder().encode(s)) == s)
    }

    @Test func addressesParseAndPrint() {
        #expect(
            Endpoint.parseAddress("2001:db8::10") == [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [
                0x10
            ])
        #expect(
            Endpoint(address: [0x20, 0x01, 0x0D, 0xB8, 0, 1] + [UInt8](repeating: 0, count: 9) + [0x20], port: 5)
                .description == "[2001:db8:1::20]:5")
        for bad in ["", "1.2.3", "1.2.3.256", "::1::", "12345::", "g::1", "1:2:3:4:5:6:7:8:9"] {
            #expect(Endpoint.parseAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func base64RoundTripsAndRejects() {
        var rng = SeededGenerator(seed: 5)
        for n in 0..<40 {
            let bytes = rng.bytes(n)
            #expect(decodeBase64(base64(bytes)) == bytes)
            #expect(base64(bytes) == Data(bytes).base64EncodedString())
        }
        #expect(decodeBase64("ab$d") == nil)
    }

    /// RFC 791 fragments: offsets in 8-byte units, MF on all but the last, each header's checksum valid,
    /// and the payloads put back together give the datagram.
    @Test func ipv4FragmentsReassemble() {
        var rng = SeededGenerator(seed: 6)
        let payload = rng.bytes(1500)
        let fragments = IPPacketBuilder.ipv4Fragments(
            source: [192, 0, 2, 1], destination: [192, 0, 2, 2], proto: .udp,
            identification: 7, payload: payload, mtu: 576)
        #expect(fragments.count == 3)
        var joined: [UInt8] = []
        for (i, f) in fragments.enumerated() {
            #expect(internetChecksum(Array(f[0..<20])) == 0)
            let flags = Int(f[6]) << 8 | Int(f[7])
            #expect((flags & 0x1FFF) * 8 == joined.count)
            #expect((flags & 0x2000 != 0) == (i < fragments.count - 1))
            joined += f[20...]
        }
        #expect(joined == payload)
    }

    /// UDP and TCP checksums verify over the pseudo-header (a correct checksum sums to zero).
    @Test func transportChecksumsVerify() {
        let a = Endpoint(address: [192, 0, 2, 1], port: 5060)
        let b = Endpoint(address: [192, 0, 2, 2], port: 5061)
        let udp = IPPacketBuilder.udp(from: a, to: b, payload: Array("hello".utf8))
        #expect(
            internetChecksum(
                udp,
                initial: IPPacketBuilder.pseudoHeaderSum(
                    source: a.address, destination: b.address, proto: 17, length: udp.count)) == 0)
        let tcp = IPPacketBuilder.tcp(
            from: a, to: b, sequence: 1, acknowledgement: 2, flags: [.ack, .psh], payload: Array("hi".utf8))
        #expect(
            internetChecksum(
                tcp,
                initial: IPPacketBuilder.pseudoHeaderSum(
                    source: a.address, destination: b.address, proto: 6, length: tcp.count)) == 0)
    }
}

/// Every suite a scenario may name is one the transforms know, so key lengths come from one table.
@Test(arguments: CryptoSuite.allCases)
func everyScenarioSuiteIsATransformsSuite(_ suite: CryptoSuite) throws {
    let known = try #require(SRTPSuite.named(suite.rawValue))
    #expect(known.name == suite.rawValue)
    #expect(suite.keyParameterLength == known.keyLength + known.saltLength)
}
