import Analysis
import Capture
import Crypto
import Datagrams
import Output
import Testing
import Transforms

/// Media relayed in a TURN Send indication (RFC 8656 §10): the DATA attribute is unwrapped, decrypted,
/// and rewritten with its padding and the STUN length fixed. The SRTP packet comes from our own
/// SRTPStream (protect side); the frame is built by StreamDetectionTests.frame.
@Suite struct TURNSendIndicationTests {
    static let key = MasterKey(key: Array(0..<16), salt: Array(16..<30))

    /// A Send indication (type 0x0016) with XOR-PEER-ADDRESS 203.0.113.9:5000 and DATA `data`.
    static func sendIndication(_ data: [UInt8]) -> [UInt8] {
        let peer: [UInt8] = [
            0x00, 0x12, 0x00, 0x08, 0x00, 0x01, 0x13 ^ 0x21, 0x88 ^ 0x12, 203 ^ 0x21, 0 ^ 0x12, 113 ^ 0xA4, 9 ^ 0x42,
        ]
        let pad = (4 - data.count % 4) % 4
        let dataAttr: [UInt8] =
            [0x00, 0x13, UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data + [UInt8](repeating: 0, count: pad)
        let length = peer.count + dataAttr.count
        return [0x00, 0x16, UInt8(length >> 8), UInt8(length & 0xFF), 0x21, 0x12, 0xA4, 0x42]
            + [UInt8](repeating: 7, count: 12) + peer + dataAttr
    }

    @Test func decryptsAndRewritesTheDataAttribute() throws {
        let provider = try CryptoProviders.default
        let plain = ROCSearchTests.rtp(42)
        let sender = try SRTPStream(
            ssrc: 0x0102_0304, policy: SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: [Self.key]), provider: provider)
        let srtp = try sender.protectRTP(plain, roc: 0)
        #expect(srtp.count % 4 != 0)  // 182 bytes: the DATA attribute needs padding, the plaintext (172) none
        let frame = StreamDetectionTests.frame(1, sport: 40000, dport: 3478, payload: Self.sendIndication(srtp))
        let decoder = FrameDecoder()
        let decoded = decoder.decode(frame)
        let keys = StaticTrialKeys(entries: [
            .init(
                TrialKey(
                    id: "k", material: .srtp(SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: [Self.key])), source: "k"))
        ])
        let engine = DecryptEngine(keys: keys, options: DecryptEngine.Options(provider: provider))
        let r = engine.process(frame, decoded)
        #expect(r.status == .authenticated)
        #expect(r.stunOffset != nil)
        var out = Frame()
        let ok = DecryptedFrameRewriter.rewrite(
            frame, decoded, packetRange: r.range, channelDataOffset: nil, stunOffset: r.stunOffset,
            stunDataAttributeOffset: r.stunDataAttributeOffset, plaintext: engine.plaintext(r), into: &out)
        #expect(ok)
        // The rewritten frame decodes as a whole STUN indication whose DATA is the plaintext.
        let d = FrameDecoder().decode(out)
        #expect(d.classification.kind == .stun)
        let payload = try #require(d.payload(in: out))
        let m = try STUNMessage.parse(payload)
        #expect(m.length + 20 == payload.count)
        let data = try #require(m.dataRange(in: payload))
        #expect(Array(out.data[data]) == plain)
    }
}
