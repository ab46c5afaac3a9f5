import Analysis
import Capture
import Crypto
import Datagrams
import Testing

/// Media stream detection without keys: a flow counts when several packets agree, a lone datagram that
/// looks like RTP does not. Frames are built here: Ethernet, IPv4 (checksum 0: not verified by default),
/// UDP from 192.0.2.1 to 192.0.2.2, the payload given.
@Suite struct StreamDetectionTests {
    static func frame(_ n: Int, sport: UInt16, dport: UInt16, payload: [UInt8]) -> Frame {
        let udpLength = 8 + payload.count
        let total = 20 + udpLength
        var d: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00]
        d += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]
        d += [UInt8(sport >> 8), UInt8(sport & 0xFF), UInt8(dport >> 8), UInt8(dport & 0xFF)]
        d += [UInt8(udpLength >> 8), UInt8(udpLength & 0xFF), 0, 0] + payload
        return Frame(
            number: n, timestamp: Timestamp(seconds: Int64(n), nanoseconds: 0), originalLength: d.count,
            linkType: .ethernet, interfaceID: 0, data: d)
    }

    /// RTP version 2, PT 8, the sequence number, SSRC 0xCAFEBABE, 20 payload bytes.
    static func rtp(_ seq: UInt16) -> [UInt8] {
        [0x80, 0x08, UInt8(seq >> 8), UInt8(seq & 0xFF), 0, 0, 0, 0, 0xCA, 0xFE, 0xBA, 0xBE]
            + [UInt8](repeating: 0xD5, count: 20)
    }

    static func run(_ frames: [Frame]) throws -> DecryptEngine {
        let engine = DecryptEngine(
            keys: NoTrialKeys(), options: DecryptEngine.Options(provider: try CryptoProviders.default))
        let decoder = FrameDecoder()
        for f in frames { _ = engine.process(f, decoder.decode(f)) }
        return engine
    }

    @Test func agreeingPacketsMakeAStream() throws {
        let e = try Self.run(
            (0..<5).map { Self.frame($0 + 1, sport: 40000, dport: 50000, payload: Self.rtp(100 + UInt16($0))) })
        #expect(e.reportedStreams.count == 1)
        #expect(e.reportedStreams.first?.protocolName == "rtp")
        #expect(e.reportedStreams.first?.packets == 5)
    }

    @Test func aStrayDatagramIsNotAStream() throws {
        let e = try Self.run([Self.frame(1, sport: 40000, dport: 50000, payload: Self.rtp(100))])
        #expect(e.reportedStreams.isEmpty)
    }

    @Test func dnsThatLooksLikeRTPIsNotMedia() throws {
        // Well-known ports: the classifier does not apply its RTP heuristic (PayloadClassifier).
        let frames = (0..<5).map { Self.frame($0 + 1, sport: 53, dport: 33000, payload: Self.rtp(100 + UInt16($0))) }
        let e = try Self.run(frames)
        #expect(e.reportedStreams.isEmpty)
    }

    @Test func scatteredSequenceNumbersDoNotAgree() throws {
        let e = try Self.run(
            [7, 30000, 12, 60000, 400].enumerated().map {
                Self.frame($0.offset + 1, sport: 40000, dport: 50000, payload: Self.rtp(UInt16($0.element)))
            })
        #expect(e.reportedStreams.isEmpty)
    }
}
