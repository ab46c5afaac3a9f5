import Analysis
import Datagrams
import Foundation
import SRTPDump
import TestSupport
import Testing
import Transforms

/// Tag-failure diagnosis: corpus captures decrypted with keys made wrong in each way the diagnosis
/// knows, checking the reason it names. demo-call.pcap: caller 192.0.2.10:40000 (SSRC 0xae1c7766, key
/// `UuJQ…`) and callee 198.51.100.20:50000 (SSRC 0xb8e6035d, key `Y31/…`), AES_CM_128_HMAC_SHA1_80,
/// ROC 0, no MKI (Captures/README.md).
@Suite struct DiagnosisTests {
    static let callerKey = "UuJQ61w9tql/raWSk5gIkBSst4t0az4jwnsGA7RK"
    static let calleeKey = "Y31/GvKm1cs6BfIUJ8X42OLVavcNaUlQX1WP/Y9i"
    static let callerRTP = flow("192.0.2.10", 40000, "198.51.100.20", 50000)
    static let calleeRTP = flow("198.51.100.20", 50000, "192.0.2.10", 40000)

    static func flow(_ a: String, _ p: UInt16, _ b: String, _ q: UInt16) -> MediaFlowKey {
        MediaFlowKey(
            source: Datagrams.Endpoint(IPAddress(a) ?? IPAddress(v4: 0), p),
            destination: Datagrams.Endpoint(IPAddress(b) ?? IPAddress(v4: 0), q))
    }

    static func policy(_ base64: String, suite: SRTPSuite = .aesCM128HMACSHA1_80, mki: [UInt8] = [], roc: UInt32 = 0)
        -> SRTPPolicy
    {
        let bytes = [UInt8](Data(base64Encoded: base64) ?? Data())
        let k = MasterKey(key: Array(bytes.prefix(16)), salt: Array(bytes.dropFirst(16)), mki: mki)
        return SRTPPolicy(suite: suite, keys: [k], initialROC: roc)
    }

    static func run(_ capture: String, _ entries: [StaticTrialKeys.Entry]) throws -> DecryptPipeline.Summary {
        var options = DecryptPipeline.Options(capturePath: SharedFiles.captures.appendingPathComponent(capture).path)
        options.keys = StaticTrialKeys(entries: entries)
        options.progress = false
        options.rocSearchBudget = 0.2
        return try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
    }

    /// The diagnosis of the RTP stream of `ssrc`.
    static func findings(_ s: DecryptPipeline.Summary, _ ssrc: UInt32) -> [TagFailureDiagnosis.Finding] {
        s.streams.first { $0.ssrc == ssrc && $0.kind == .rtp }?.diagnosis ?? []
    }

    @Test func otherDirectionsKey() throws {
        // Each key bound to the wrong direction.
        let s = try Self.run(
            "demo-call.pcap",
            [
                .init(
                    TrialKey(id: "a", material: .srtp(Self.policy(Self.callerKey)), source: "caller's SDP"),
                    flows: [Self.calleeRTP]),
                .init(
                    TrialKey(id: "b", material: .srtp(Self.policy(Self.calleeKey)), source: "callee's SDP"),
                    flows: [Self.callerRTP]),
            ])
        let f = Self.findings(s, 0xAE1C_7766)
        #expect(f.first?.reason == .otherKey)
        #expect(f.first?.detail.contains("caller's SDP") == true)
        #expect(f.first?.detail.contains("other direction") == true)
        #expect(f.first?.count == 64)  // every sample (the diagnosis looks at the first 64 failures)
        #expect(s.exitStatus == .authenticationFailures)
    }

    @Test func unknownKey() throws {
        let wrong = Data((0..<30).map { UInt8($0) }).base64EncodedString()
        let s = try Self.run(
            "demo-call.pcap",
            [
                .init(
                    TrialKey(id: "w", material: .srtp(Self.policy(wrong)), source: "--key #1"),
                    flows: [Self.callerRTP])
            ])
        let f = Self.findings(s, 0xAE1C_7766)
        #expect(f.count == 1)
        #expect(f.first?.reason == .unknown)
    }

    @Test func rocOffset() throws {
        // The key is right but the context assumes ROC 3 (a wrong ROC signalled, say); ROC search off.
        var options = DecryptPipeline.Options(
            capturePath: SharedFiles.captures.appendingPathComponent("demo-call.pcap").path)
        options.keys = StaticTrialKeys(entries: [
            .init(
                TrialKey(id: "r", material: .srtp(Self.policy(Self.callerKey, roc: 3)), source: "k"),
                flows: [Self.callerRTP])
        ])
        options.progress = false
        options.rocSearchBudget = 0
        let s = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        let f = Self.findings(s, 0xAE1C_7766)
        // With the search's time budget 0 it still tries the likely ROCs (0 first) and recovers the
        // real one; the diagnosis of a wrong ROC without the search is `rocOffsetWithoutSearch`.
        let stream = try #require(s.streams.first { $0.ssrc == 0xAE1C_7766 && $0.kind == .rtp })
        #expect(stream.authenticated > 0)
        #expect(stream.recoveredROC?.roc == 0)
        #expect(f.allSatisfy { $0.reason != .rocOffset })
    }

    @Test func rocOffsetWithoutSearch() throws {
        var options = DecryptPipeline.Options(
            capturePath: SharedFiles.captures.appendingPathComponent("demo-call.pcap").path)
        options.keys = StaticTrialKeys(entries: [
            .init(
                TrialKey(id: "r", material: .srtp(Self.policy(Self.callerKey, roc: 3)), source: "k"),
                flows: [Self.callerRTP])
        ])
        options.progress = false
        options.rocSearchEnabled = false
        let s = try DecryptPipeline(options: options).run(output: nil, errors: OutputStream(path: "/dev/null"))
        let f = Self.findings(s, 0xAE1C_7766)
        #expect(f.first?.reason == .rocOffset)
        #expect(f.first?.detail.contains("-3") == true)
    }

    @Test func tagLength() throws {
        let s = try Self.run(
            "demo-call.pcap",
            [
                .init(
                    TrialKey(
                        id: "t", material: .srtp(Self.policy(Self.callerKey, suite: .aesCM128HMACSHA1_32)), source: "k"),
                    flows: [Self.callerRTP])
            ])
        let f = Self.findings(s, 0xAE1C_7766)
        #expect(f.first?.reason == .tagLength)
        #expect(f.first?.detail == "tag of 80 bits, not 32")
    }

    @Test func mkiTheKeyDeclaresButPacketsLack() throws {
        let s = try Self.run(
            "demo-call.pcap",
            [
                .init(
                    TrialKey(id: "m", material: .srtp(Self.policy(Self.callerKey, mki: [0, 1])), source: "k"),
                    flows: [Self.callerRTP])
            ])
        let f = Self.findings(s, 0xAE1C_7766)
        #expect(f.first?.reason == .mkiMismatch)
        #expect(f.first?.detail.contains("no MKI") == true)
    }

    @Test func mkiThePacketsCarryButTheKeyLacks() throws {
        // offer-lines-mki-vlan: the caller (SSRC 0x13ee9a8b) sends a 2-byte MKI; give its first key without.
        let keys = try CorpusKeys(name: "offer-lines-mki-vlan.pcap")
        let caller = try #require(keys.expected.streams.first { $0.ssrc == "0x13ee9a8b" && $0.protocol == "srtp" })
        let raw = [UInt8](try #require(Data(base64Encoded: caller.keys[0])))
        let policy = SRTPPolicy(
            suite: .aes256CMHMACSHA1_32, keys: [MasterKey(key: Array(raw.prefix(32)), salt: Array(raw.dropFirst(32)))])
        let flow = try #require(CorpusKeys.flow(caller))
        let s = try Self.run(
            "offer-lines-mki-vlan.pcap",
            [.init(TrialKey(id: "n", material: .srtp(policy), source: "k"), flows: [flow])])
        let f = Self.findings(s, 0x13EE_9A8B)
        let mki = try #require(f.first { $0.reason == .mkiMismatch })
        #expect(mki.detail.contains("2-byte MKI"))
    }

    @Test func ssrtpFormat() throws {
        // ssrtp-cryptoscale: the callee (SSRC 0x00f4138a) sends MS-SSRTP; its key given as plain SRTP.
        let keys = try CorpusKeys(name: "ssrtp-cryptoscale.pcap")
        let callee = try #require(keys.expected.streams.first { $0.ssrc == "0x00f4138a" && $0.protocol == "ssrtp" })
        let raw = [UInt8](try #require(Data(base64Encoded: callee.keys[0])))
        let policy = SRTPPolicy(
            suite: .aesCM128HMACSHA1_80,
            keys: [MasterKey(key: Array(raw.prefix(16)), salt: Array(raw.dropFirst(16)), mki: [1])])
        let flow = try #require(CorpusKeys.flow(callee))
        let s = try Self.run(
            "ssrtp-cryptoscale.pcap",
            [.init(TrialKey(id: "s", material: .srtp(policy), source: "k"), flows: [flow])])
        let f = Self.findings(s, 0x00F4_138A)
        #expect(f.first?.reason == .ssrtpFormat)
    }
}
