import Crypto
import DTLSSRTP
import Datagrams
import KeyBook
import TestSupport
import Testing

/// The tracker on handshakes built from the RFCs' structures: fragments out of order, retransmissions,
/// records after ChangeCipherSpec, and hostile bytes.
struct DTLSHandshakeTrackerTests {
    typealias B = HandshakeBuilder
    let client = Endpoint(IPAddress("10.0.0.1")!, 5000)
    let server = Endpoint(IPAddress("10.0.0.2")!, 6000)
    let clientRandom = (0..<32).map { UInt8($0) }
    let serverRandom = (0..<32).map { UInt8(0x80 + $0) }
    let secret = (0..<48).map { UInt8(0x40 + $0) }

    func tracker(keyLog: TLSKeyLog? = nil) throws -> DTLSHandshakeTracker {
        DTLSHandshakeTracker(
            keyLog: keyLog, digests: try CryptoProviders.digests(of: try CryptoProviders.named("openssl")))
    }

    func keyLog() -> TLSKeyLog {
        TLSKeyLog.parse(Array("CLIENT_RANDOM \(Hex.string(clientRandom)) \(Hex.string(secret))\n".utf8), path: "k.log")
    }

    /// ClientHello; then the server flight with the certificate split in three fragments delivered
    /// out of order across two datagrams, one fragment repeated; then ChangeCipherSpec and an
    /// epoch-1 record that must not be read.
    @Test func fragmentedFlightAndKeys() throws {
        let t = try tracker(keyLog: keyLog())
        let ch = B.fragment(
            type: 1, seq: 0, body: B.clientHello(random: clientRandom, profiles: [0x0007, 0x0001], mki: []))
        _ = t.observe(frameNumber: 1, source: client, destination: server, payload: B.record(22, seq: 0, ch)[...])
        let der = (0..<700).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let cert = B.certificate(der)
        let sh = B.fragment(type: 2, seq: 0, body: B.serverHello(random: serverRandom, suite: 0xC02B, profile: 0x0001))
        let c1 = B.fragment(type: 11, seq: 1, body: Array(cert[0..<300]), length: cert.count)
        let c2 = B.fragment(type: 11, seq: 1, body: Array(cert[300..<500]), offset: 300, length: cert.count)
        let c3 = B.fragment(type: 11, seq: 1, body: Array(cert[500...]), offset: 500, length: cert.count)
        let done = B.fragment(type: 14, seq: 2, body: [])
        let o1 = t.observe(
            frameNumber: 2, source: server, destination: client,
            payload: (B.record(22, seq: 0, sh) + B.record(22, seq: 1, c3) + B.record(22, seq: 2, c1))[...])
        #expect(o1.entries.count == 2)
        let o2 = t.observe(
            frameNumber: 3, source: server, destination: client,
            payload: (B.record(22, seq: 3, c1) + B.record(22, seq: 4, c2) + B.record(22, seq: 5, done))[...])
        #expect(o2.entries.isEmpty)
        #expect(o2.diagnostics.filter { $0.severity != .note }.isEmpty)
        // The whole flight again (a retransmission): nothing new.
        let o3 = t.observe(
            frameNumber: 4, source: server, destination: client,
            payload: (B.record(22, seq: 6, sh) + B.record(22, seq: 7, c1) + B.record(22, seq: 8, c2))[...])
        #expect(o3.entries.isEmpty)
        _ = t.observe(
            frameNumber: 5, source: client, destination: server,
            payload: (B.record(20, seq: 1, [1])
                + B.record(22, epoch: 1, seq: 0, [11, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]))[...])

        let h = try #require(t.handshakes.first)
        #expect(t.handshakes.count == 1)
        #expect(h.client == client && h.server == server)
        #expect(h.offeredProfiles.map(\.id) == [0x0007, 0x0001])
        #expect(h.profile?.name == "SRTP_AES128_CM_HMAC_SHA1_80")
        #expect(h.extendedMasterSecret)
        #expect(h.serverCertificate == der)
        #expect(h.serverCertificateFrame == 3)
        #expect(h.clientChangeCipherSpecFrame == 5)
        #expect(h.messages.map(\.type) == [1, 2, 11, 14])

        // The keys: the exporter computed here by hand from the RFC 5246 §5 PRF (oracle: the openssl
        // CLI's TLS1-PRF in the end-to-end test; here the split and the binding are under test).
        let d = try CryptoProviders.digests(of: try CryptoProviders.named("gcrypt"))
        let material = try TLSPRF.tls12(.sha256).compute(
            secret: secret, label: Array("EXTRACTOR-dtls_srtp".utf8), seed: clientRandom + serverRandom, length: 60,
            digests: d)
        let ck = o1.entries[0]
        let sk = o1.entries[1]
        #expect(ck.keySalt == Array(material[0..<16] + material[32..<46]))
        #expect(sk.keySalt == Array(material[16..<32] + material[46..<60]))
        #expect(ck.sender == client && ck.destination == server)
        #expect(sk.sender == server && sk.destination == client)
        #expect(ck.source == .dtlsHandshake(frame: 2, keyLog: "k.log", line: 1))
        #expect(t.finish().diagnostics.isEmpty)
    }

    /// RFC 6347 §4.2.1: ClientHello, HelloVerifyRequest, ClientHello again with the cookie and the same
    /// random, then the ServerHello (message_seq 1): one handshake, keyed. Then the client restarts with a
    /// new random on the same flow (after the encrypted part): a second handshake.
    @Test func cookieExchangeAndRestart() throws {
        let t = try tracker(keyLog: keyLog())
        func send(_ n: Int, fromClient: Bool, _ fragment: [UInt8], epoch: Int = 0, type: UInt8 = 22)
            -> DTLSHandshakeTracker.Observation
        {
            t.observe(
                frameNumber: n, source: fromClient ? client : server, destination: fromClient ? server : client,
                payload: B.record(type, epoch: epoch, seq: n, fragment)[...])
        }
        _ = send(
            1, fromClient: true, B.fragment(type: 1, seq: 0, body: B.clientHello(random: clientRandom, profiles: [1])))
        _ = send(2, fromClient: false, B.fragment(type: 3, seq: 0, body: B.u16(0xFEFF) + [4, 9, 9, 9, 9]))
        _ = send(
            3, fromClient: true,
            B.fragment(type: 1, seq: 1, body: B.clientHello(random: clientRandom, profiles: [1], cookie: [9, 9, 9, 9])))
        let o = send(
            4, fromClient: false,
            B.fragment(type: 2, seq: 1, body: B.serverHello(random: serverRandom, suite: 0xC02B, profile: 1)))
        #expect(o.entries.count == 2)
        #expect(t.handshakes.count == 1)
        #expect(t.handshakes.first?.messages.map(\.type) == [1, 3, 1, 2])
        _ = send(5, fromClient: true, [1], type: 20)
        _ = send(6, fromClient: false, [1], type: 20)
        let other = clientRandom.map { $0 ^ 0xFF }
        _ = send(7, fromClient: true, B.fragment(type: 1, seq: 0, body: B.clientHello(random: other, profiles: [1])))
        let o2 = send(
            8, fromClient: false,
            B.fragment(type: 2, seq: 0, body: B.serverHello(random: serverRandom, suite: 0xC02B, profile: 1)))
        #expect(o2.entries.isEmpty)  // no key-log line for the new random
        #expect(t.handshakes.count == 2)
        #expect(t.handshakes.last?.clientRandom == other && t.handshakes.last?.serverHelloFrame == 8)
    }

    /// A DTLS 1.3 ServerHello (supported_versions = 0xFEFC) is recognised and not keyed from a
    /// CLIENT_RANDOM line.
    @Test func dtls13IsNotKeyed() throws {
        let t = try tracker(keyLog: keyLog())
        _ = t.observe(
            frameNumber: 1, source: client, destination: server,
            payload: B.record(
                22, seq: 0, B.fragment(type: 1, seq: 0, body: B.clientHello(random: clientRandom, profiles: [1])))[...])
        var sh = B.serverHello(random: serverRandom, suite: 0x1301, profile: 1)
        // Append supported_versions to the extensions block and fix its length.
        let ext = B.u16(43) + B.u16(2) + B.u16(0xFEFC)
        let headerLength = 2 + 32 + 1 + 2 + 1
        let oldExtensions = Array(sh[(headerLength + 2)...])
        sh = Array(sh[0..<headerLength]) + B.u16(oldExtensions.count + ext.count) + oldExtensions + ext
        let o = t.observe(
            frameNumber: 2, source: server, destination: client,
            payload: B.record(22, seq: 0, B.fragment(type: 2, seq: 0, body: sh))[...])
        #expect(o.entries.isEmpty)
        #expect(t.handshakes.first?.version == 0xFEFC)
        #expect(o.diagnostics.contains { $0.message.contains("DTLS 1.0 and 1.2 only") })
        #expect(!t.finish().diagnostics.contains { $0.code == DTLSCode.noSecret })
    }

    @Test func sha384SuiteUsesSHA384() throws {
        let t = try tracker(keyLog: keyLog())
        _ = t.observe(
            frameNumber: 1, source: client, destination: server,
            payload: B.record(
                22, seq: 0, B.fragment(type: 1, seq: 0, body: B.clientHello(random: clientRandom, profiles: [0x0008])))[
                    ...])
        let o = t.observe(
            frameNumber: 2, source: server, destination: client,
            payload: B.record(
                22, seq: 0,
                B.fragment(type: 2, seq: 0, body: B.serverHello(random: serverRandom, suite: 0xC02C, profile: 0x0008)))[
                    ...])
        let d = try CryptoProviders.digests(of: try CryptoProviders.named("gcrypt"))
        let m = try TLSPRF.tls12(.sha384).compute(
            secret: secret, label: Array("EXTRACTOR-dtls_srtp".utf8), seed: clientRandom + serverRandom, length: 88,
            digests: d)
        #expect(o.entries.count == 2)
        #expect(o.entries.first?.suite == .aeadAES256GCM)
        #expect(o.entries.first?.keySalt == Array(m[0..<32] + m[64..<76]))
    }

    @Test func missingSecretAndUnusedKeyLogLine() throws {
        let other = (0..<32).map { UInt8(truncatingIfNeeded: 0xF0 + $0) }
        let log = TLSKeyLog.parse(
            Array("CLIENT_RANDOM \(Hex.string(other)) \(Hex.string(secret))\n".utf8), path: "k.log")
        let t = try tracker(keyLog: log)
        _ = t.observe(
            frameNumber: 1, source: client, destination: server,
            payload: B.record(
                22, seq: 0, B.fragment(type: 1, seq: 0, body: B.clientHello(random: clientRandom, profiles: [1])))[...])
        let o = t.observe(
            frameNumber: 2, source: server, destination: client,
            payload: B.record(
                22, seq: 0,
                B.fragment(type: 2, seq: 0, body: B.serverHello(random: serverRandom, suite: 0xC02B, profile: 1)))[...])
        #expect(o.entries.isEmpty)
        let f = t.finish().diagnostics
        #expect(f.contains { $0.code == DTLSCode.noSecret && $0.frame == 2 })
        #expect(f.contains { $0.code == DTLSCode.handshakeMissing && $0.field == "--tls-keylog k.log line 1" })
    }

    @Test func profileNotOfferedIsReported() throws {
        let t = try tracker()
        _ = t.observe(
            frameNumber: 1, source: client, destination: server,
            payload: B.record(
                22, seq: 0, B.fragment(type: 1, seq: 0, body: B.clientHello(random: clientRandom, profiles: [1])))[...])
        let o = t.observe(
            frameNumber: 2, source: server, destination: client,
            payload: B.record(
                22, seq: 0,
                B.fragment(type: 2, seq: 0, body: B.serverHello(random: serverRandom, suite: 0xC02B, profile: 2)))[...])
        #expect(o.diagnostics.contains { $0.code == DTLSCode.handshake && $0.message.contains("did not offer") })
    }

    /// More finished flows than the bound: they are forgotten, and a later call is still followed.
    @Test func finishedFlowsMakeRoom() throws {
        let t = try tracker(keyLog: keyLog())
        let other = clientRandom.map { $0 ^ 0x5A }
        for i in 0..<(DTLSHandshakeTracker.maxFlows + 10) {
            let c = Endpoint(IPAddress(v4: 0x0A01_0000 + UInt32(i / 60_000)), UInt16(1024 + i % 60_000))
            _ = t.observe(
                frameNumber: 3 * i + 1, source: c, destination: server,
                payload: B.record(
                    22, seq: 0, B.fragment(type: 1, seq: 0, body: B.clientHello(random: other, profiles: [1])))[...])
            _ = t.observe(
                frameNumber: 3 * i + 2, source: c, destination: server, payload: B.record(20, seq: 1, [1])[...])
            _ = t.observe(
                frameNumber: 3 * i + 3, source: server, destination: c, payload: B.record(20, seq: 1, [1])[...])
        }
        _ = t.observe(
            frameNumber: 1_000_000, source: client, destination: server,
            payload: B.record(
                22, seq: 0, B.fragment(type: 1, seq: 0, body: B.clientHello(random: clientRandom, profiles: [1])))[...])
        let o = t.observe(
            frameNumber: 1_000_001, source: server, destination: client,
            payload: B.record(
                22, seq: 0,
                B.fragment(type: 2, seq: 0, body: B.serverHello(random: serverRandom, suite: 0xC02B, profile: 1)))[...])
        #expect(o.entries.count == 2)
        #expect(!o.diagnostics.contains { $0.code == DTLSCode.limit })
    }

    /// Random and mutated bytes never trap and keep the state bounded.
    @Test func hostileBytes() throws {
        let t = try tracker(keyLog: keyLog())
        var rng = SeededGenerator(seed: 77)
        let good = B.record(
            22, seq: 0, B.fragment(type: 1, seq: 0, body: B.clientHello(random: clientRandom, profiles: [1])))
        for i in 0..<3000 {
            var p = good
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                p[Int.random(in: 0..<p.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if i % 3 == 0 { p = Array(p.prefix(Int.random(in: 0...p.count, using: &rng))) }
            if i % 5 == 0 {
                p = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            let src = Endpoint(IPAddress("10.0.0.1")!, UInt16(1000 + i % 50))
            _ = t.observe(frameNumber: i + 1, source: src, destination: server, payload: p[...])
        }
        _ = t.finish()
        #expect(t.handshakes.count <= 3000)
    }
}

extension HandshakeBuilder {
    static func clientHello(random: [UInt8], profiles: [Int]?, mki: [UInt8]) -> [UInt8] {
        clientHello(random: random, profiles: profiles)
    }
}
