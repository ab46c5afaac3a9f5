import Analysis
import Crypto
import Testing
import Transforms

/// ROC recovery by tag: packets protected by our own SRTPStream at a chosen ROC (the sender side of
/// the transforms, tested against libsrtp in LibsrtpOracleTests), then searched for.
@Suite struct ROCSearchTests {
    static let key = MasterKey(key: Array(0..<16), salt: Array(16..<30))

    /// An RTP packet: version 2, PT 0, the sequence number, timestamp 160·seq, SSRC 0x01020304, 160
    /// bytes of 0xD5 (A-law silence).
    static func rtp(_ seq: UInt16) -> [UInt8] {
        let ts = UInt32(seq) &* 160
        return [0x80, 0x00, UInt8(seq >> 8), UInt8(seq & 0xFF)]
            + [UInt8(ts >> 24), UInt8((ts >> 16) & 0xFF), UInt8((ts >> 8) & 0xFF), UInt8(ts & 0xFF)]
            + [1, 2, 3, 4] + [UInt8](repeating: 0xD5, count: 160)
    }

    static func protect(_ suite: SRTPSuite, roc: UInt32, seqs: [UInt16]) throws -> [[UInt8]] {
        let provider = try CryptoProviders.default
        let sender = try SRTPStream(
            ssrc: 0x0102_0304, policy: SRTPPolicy(suite: suite, keys: [key]), provider: provider)
        return try seqs.map { try sender.protectRTP(rtp($0), roc: roc) }
    }

    @Test(arguments: [UInt32(0), 1, 7, 40_000])
    func recoversROCWith80BitTag(_ roc: UInt32) throws {
        let provider = try CryptoProviders.default
        let packets = try Self.protect(.aesCM128HMACSHA1_80, roc: roc, seqs: [1000, 1001])
        let r = ROCSearch().search(
            packets: packets, policy: SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: [Self.key]),
            provider: provider)
        #expect(r.roc == roc)
        #expect(r.tried == UInt64(roc) + 1)  // likely values first: 0, 1, 2, …
    }

    @Test func weakTagNeedsASecondPacket() throws {
        let provider = try CryptoProviders.default
        let packets = try Self.protect(.aesCM128HMACSHA1_32, roc: 5, seqs: [300, 301])
        let policy = SRTPPolicy(suite: .aesCM128HMACSHA1_32, keys: [Self.key])
        let one = ROCSearch().search(packets: [packets[0]], policy: policy, provider: provider)
        #expect(one.roc == nil)  // a 32-bit match alone is not proof
        let two = ROCSearch().search(packets: packets, policy: policy, provider: provider)
        #expect(two.roc == 5)
    }

    @Test func timeBoundStopsTheSearch() throws {
        let provider = try CryptoProviders.default
        let packets = try Self.protect(.aesCM128HMACSHA1_80, roc: 3, seqs: [1])
        var search = ROCSearch()
        search.timeBudget = 0.05
        // A wrong key: nothing matches, the search stops at its bound, not at 2^32.
        let wrong = MasterKey(key: Array(repeating: 9, count: 16), salt: Array(repeating: 9, count: 14))
        let r = search.search(
            packets: packets, policy: SRTPPolicy(suite: .aesCM128HMACSHA1_80, keys: [wrong]),
            provider: provider)
        #expect(r.roc == nil)
        #expect(!r.exhausted)
        #expect(r.tried > 0 && r.tried < 1 << 32)
    }

    @Test func aeadSearchedByContexts() throws {
        let provider = try CryptoProviders.default
        let gcmKey = MasterKey(key: Array(0..<16), salt: Array(16..<28))
        let sender = try SRTPStream(
            ssrc: 0x0102_0304, policy: SRTPPolicy(suite: .aeadAES128GCM, keys: [gcmKey]), provider: provider)
        let p = try sender.protectRTP(Self.rtp(9), roc: 2)
        let r = ROCSearch().search(
            packets: [p], policy: SRTPPolicy(suite: .aeadAES128GCM, keys: [gcmKey]), provider: provider)
        #expect(r.roc == 2)
    }
}
