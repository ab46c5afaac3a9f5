// Where libsrtp and srtpdump's own transforms both implement a suite, they protect the synthesizer's
// packets to the same bytes (issue 5, "Independent encryption": the corpus uses libsrtp there, and our
// transforms only where libsrtp has nothing).
import Testing

@testable import Synth

@Suite struct TransformAgreementTests {
    static let suites: [CryptoSuite] = CryptoSuite.allCases.filter(\.libsrtpImplements)

    @Test(arguments: suites)
    func libsrtpAndOwnTransformsAgree(_ suite: CryptoSuite) throws {
        try agree(suite, parameters: [])
    }

    /// The session parameters through libsrtp's `sec_serv` flags and through our SessionParameters give
    /// the same bytes (RFC 4568 §6.3.2, §6.3.3); AEAD takes only UNENCRYPTED_SRTCP.
    static let parameterCases: [(CryptoSuite, [String])] =
        [CryptoSuite.aesCM128HMACSHA180, .aesCM128HMACSHA132, .aes256CMHMACSHA180, .aes256CMHMACSHA132].flatMap {
            suite in
            [
                ["UNENCRYPTED_SRTP"], ["UNENCRYPTED_SRTCP"], ["UNAUTHENTICATED_SRTP"],
                ["UNENCRYPTED_SRTP", "UNENCRYPTED_SRTCP", "UNAUTHENTICATED_SRTP"],
            ].map { (suite, $0) }
        } + [(.aeadAES128GCM, ["UNENCRYPTED_SRTCP"]), (.aeadAES256GCM, ["UNENCRYPTED_SRTCP"])]

    @Test(arguments: parameterCases)
    func sessionParametersAgree(_ suite: CryptoSuite, _ parameters: [String]) throws {
        try agree(suite, parameters: parameters)
    }

    @Test func aeadRefusesUnencryptedOrUnauthenticatedSRTP() {
        for p in ["UNENCRYPTED_SRTP", "UNAUTHENTICATED_SRTP"] {
            #expect(throws: SynthesisError.self) { try sessionServices([p], suite: .aeadAES128GCM) }
        }
    }

    func agree(_ suite: CryptoSuite, parameters: [String]) throws {
        var rng = SeededGenerator(seed: 77)
        let keys = [
            MasterKey(keyAndSalt: rng.bytes(suite.keyParameterLength), mki: [0, 1]),
            MasterKey(keyAndSalt: rng.bytes(suite.keyParameterLength), mki: [0, 2]),
        ]
        let line = PartyPlan.ResolvedCryptoLine(
            tag: 1, suite: suite, keys: keys, lifetimes: [nil, nil], mkiLengths: [2, 2],
            sessionParameters: parameters)
        let libsrtp = try senderTransform(for: line)
        let own = try OwnTransformSender(
            suite: suite, keys: keys, keyDerivationRate: 0,
            services: try sessionServices(parameters, suite: suite))
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
            #expect(a == b, "\(suite.rawValue) \(parameters) \(p.rtcp ? "RTCP" : "RTP") index \(p.index)")
            // What the parameters mean on the wire, from the bytes: a clear payload (RTP after the
            // 12-byte header, RTCP after the first 8 bytes), no SRTP tag, E = 0 in the SRTCP index word.
            let mki = 2
            if p.rtcp {
                // RFC 3711 §3.4: E‖index, MKI, tag; libsrtp's AEAD layout (RFC 7714): tag, E‖index, MKI.
                let eWord = suite.suite.isAEAD ? a.count - mki - 4 : a.count - suite.suite.rtcpTagLength - mki - 4
                #expect((a[eWord] & 0x80 == 0) == parameters.contains("UNENCRYPTED_SRTCP"))
                #expect(
                    (Array(a[..<p.plaintext.count]) == p.plaintext) == parameters.contains("UNENCRYPTED_SRTCP"),
                    "RTCP index \(p.index)")
            } else {
                let tag = parameters.contains("UNAUTHENTICATED_SRTP") ? 0 : suite.suite.rtpTagLength
                #expect(a.count == p.plaintext.count + mki + tag)
                #expect(
                    (Array(a[..<p.plaintext.count]) == p.plaintext) == parameters.contains("UNENCRYPTED_SRTP"),
                    "RTP index \(p.index)")
            }
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
