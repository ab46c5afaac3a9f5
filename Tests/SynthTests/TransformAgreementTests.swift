// Where libsrtp and srtpdump's own transforms both implement a suite, they protect the synthesizer's
// packets to the same bytes (issue 5, "Independent encryption": the corpus uses libsrtp there, and our
// transforms only where libsrtp has nothing).
import Testing

@testable import Synth

@Suite struct TransformAgreementTests {
    static let suites: [CryptoSuite] = CryptoSuite.allCases.filter(\.libsrtpImplements)

    @Test(arguments: suites)
    func libsrtpAndOwnTransformsAgree(_ suite: CryptoSuite) throws {
        var rng = SeededGenerator(seed: 77)
        let keys = [
            MasterKey(keyAndSalt: rng.bytes(suite.keyParameterLength), mki: [0, 1]),
            MasterKey(keyAndSalt: rng.bytes(suite.keyParameterLength), mki: [0, 2]),
        ]
        let line = PartyPlan.ResolvedCryptoLine(
            tag: 1, suite: suite, keys: keys, lifetimes: [nil, nil], mkiLengths: [2, 2],
            sessionParameters: [])
        let libsrtp = try senderTransform(for: line)
        let own = try OwnTransformSender(suite: suite, keys: keys, keyDerivationRate: 0)
        #expect(libsrtp is LibsrtpSession)
        // Sequence numbers across a wrap, starting at ROC 2; then RTCP; both MKIs.
        let packets = try MediaPlan.rtp(
            options: {
                var o = Scenario.MediaOptions()
                o.ssrc = 0x0102_0304
                o.initialSequence = 65530
                o.initialROC = 2
                o.mkiSwitchAt = 8
                return o
            }(), codec: "opus", start: 0, end: 0.3, keyCount: 2, rng: &rng)
        let withRTCP = MediaPlan.addRTCP(
            to: packets, reportTimes: [0.1, 0.25], peer: [], peerReportTimes: [], base: 1_700_000_000,
            codec: "opus", cname: "x@example", rng: &rng)
        try libsrtp.prepare(ssrc: 0x0102_0304, roc: 2)
        try own.prepare(ssrc: 0x0102_0304, roc: 2)
        #expect(withRTCP.contains { $0.roc == 3 })
        for p in withRTCP {
            let a = try libsrtp.protect(p.plaintext, rtcp: p.rtcp, keyIndex: p.keyIndex, roc: p.roc, index: p.index)
            let b = try own.protect(p.plaintext, rtcp: p.rtcp, keyIndex: p.keyIndex, roc: p.roc, index: p.index)
            // libsrtp 2.5 cannot unprotect MKI'd SRTCP under _32 suites, but it protects it by RFC 3711 §3.4.
            #expect(a == b, "\(suite.rawValue) \(p.rtcp ? "RTCP" : "RTP") index \(p.index)")
        }
    }

    @Test func suitesLibsrtpLacksGoToOwnTransforms() throws {
        for suite in CryptoSuite.allCases where !suite.libsrtpImplements {
            let line = PartyPlan.ResolvedCryptoLine(
                tag: 1, suite: suite,
                keys: [MasterKey(keyAndSalt: [UInt8](repeating: 7, count: suite.keyParameterLength))],
                lifetimes: [nil], mkiLengths: [0], sessionParameters: [])
            #expect(try senderTransform(for: line) is OwnTransformSender)
        }
        let kdr = PartyPlan.ResolvedCryptoLine(
            tag: 1, suite: .aesCM128HMACSHA180, keys: [MasterKey(keyAndSalt: [UInt8](repeating: 7, count: 30))],
            lifetimes: [nil], mkiLengths: [0], sessionParameters: ["KDR=4"])
        #expect(try senderTransform(for: kdr) is OwnTransformSender)
        #expect(try keyDerivationRate(["KDR=4"]) == 16)
        #expect(throws: SynthesisError.self) { try keyDerivationRate(["KDR=25"]) }
    }
}
